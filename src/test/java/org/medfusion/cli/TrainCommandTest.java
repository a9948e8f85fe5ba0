package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.models.MultiViewClassifier;
import org.medfusion.train.TrainConfig;

/** {@code train --config}: the seed's example config, shrunk to ResNet-18 at 32 px, trains for 2 steps. */
class TrainCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void theSeedExampleConfigTrainsOnASmallModel(@TempDir Path dir) throws Exception {
        String seed = Files.readString(Path.of("examples/seed-train.yaml"));
        TrainConfig parsed = TrainConfig.parse("examples/seed-train.yaml", seed);
        assertEquals("resnet50", parsed.backbone());
        assertTrue(parsed.checkpointing() && parsed.useAmp() && parsed.pretrained());
        assertEquals(4, parsed.segments());
        assertEquals(128, parsed.featureDim());
        assertEquals(32, parsed.batchSize());
        String small = seed.replace("resnet50", "resnet18").replace("pretrained: true", "pretrained: false")
                .replace("batch_size: 32", "batch_size: 4") + "  image_size: 32\n  accumulation_steps: 2\n  memory_every: 1\n";
        Path config = dir.resolve("small.yaml");
        Files.writeString(config, small);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "train", "--config", config.toString(), "--steps", "2", "--out", dir.resolve("w").toString());
        assertEquals(0, rc, err.toString() + out);
        String text = out.toString();
        assertTrue(text.contains("checkpointing 4 segments, amp (float16), accumulation 2"), text);
        assertTrue(text.contains("step 2/2"), text);
        assertTrue(text.contains("memory at end cpu resident"), text);
        assertTrue(Files.size(dir.resolve("w").resolve("resnet18.params")) > 1_000_000);
    }

    @Test
    void badConfigValuesAreOneLineErrorsWithTheirLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "model:\n  backbone:\n    name: resnet18\ntraining:\n  use_amp: maybe\n");
        StringWriter err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString()));
        assertEquals("error: " + config + ":5: expected true or false, got 'maybe'", err.toString().strip());
        Files.writeString(config, "model:\n  backbone:\n    name: resnet18\ntraining:\n  gradient_checkpointing:\n    segmnts: 2\n");
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString()));
        assertTrue(err.toString().strip().startsWith("error: " + config + ":6: unknown key 'segmnts' in training.gradient_checkpointing"),
                err.toString());
        Files.writeString(config, "model:\n  backbone:\n    name: resnet5\n");
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString()));
        assertTrue(err.toString().startsWith("error: " + config + ":3: "), err.toString());
    }

    /** A tiny class-per-folder dataset: {@code perClass} 40x40 images per class, PNG and one JPEG, random colours. */
    static Path imageFolder(Path dir, int classes, int perClass) throws Exception {
        java.util.Random r = new java.util.Random(1);
        for (int c = 0; c < classes; c++) {
            Path d = Files.createDirectories(dir.resolve("class" + c));
            for (int k = 0; k < perClass; k++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 40; y++) {
                    for (int x = 0; x < 40; x++) {
                        img.setRGB(x, y, r.nextInt(1 << 24));
                    }
                }
                String format = k == 0 ? "jpg" : "png";
                javax.imageio.ImageIO.write(img, format, d.resolve("img" + k + "." + format).toFile());
            }
        }
        Files.writeString(dir.resolve("class0").resolve("notes.txt"), "not an image");
        return dir;
    }

    static final String SMALL = "model:\n  backbone:\n    name: resnet18\n  num_classes: 2\n%straining:\n  batch_size: 2\n  image_size: 32\n"
            + "  gradient_checkpointing:\n    enabled: true\n    segments: 2\n";

    @Test
    void trainsOnAnImageFolder(@TempDir Path dir) throws Exception {
        Path images = imageFolder(dir.resolve("images"), 2, 3);
        Path config = dir.resolve("folder.yaml");
        Files.writeString(config, String.format(SMALL, ""));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "train", "--config", config.toString(), "--steps", "2", "--data", images.toString(), "--out", dir.resolve("w").toString());
        assertEquals(0, rc, err.toString() + out);
        String text = out.toString();
        assertTrue(text.contains("data: " + images + ", 6 images, classes [class0, class1]"), text);
        assertTrue(text.matches("(?s).*step 2/2 \\S+ loss [0-9]+\\.[0-9]+ .*"), text);

        Path three = imageFolder(dir.resolve("three"), 3, 1);
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString(), "--data", three.toString()));
        assertEquals("error: --data " + three + " has 3 classes [class0, class1, class2] but the model has 2 outputs; allowed: at most 2 class"
                + " sub-folders (set model.num_classes)", err.toString().strip());
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString(), "--data", dir.resolve("nope").toString()));
        assertTrue(err.toString().startsWith("error: --data " + dir.resolve("nope") + " is not a directory"), err.toString());
    }

    @Test
    void multiViewKeysTrainTheMultiViewClassifier(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("mv.yaml");
        Files.writeString(config, String.format(SMALL, "  views: 2\n  aggregation: mean\n"));
        TrainConfig c = TrainConfig.load(config);
        assertEquals(2, c.views());
        assertEquals(org.medfusion.models.MultiViewClassifier.Aggregation.MEAN, c.aggregation());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "train", "--config", config.toString(), "--steps", "1", "--out", dir.resolve("w").toString());
        assertEquals(0, rc, err.toString() + out);
        assertTrue(out.toString().contains("multi-view: 2 views, mean aggregation"), out.toString());
        assertTrue(out.toString().contains("checkpointing 2 segments"), out.toString());
        assertTrue(out.toString().contains("step 1/1"), out.toString());
        Path head = dir.resolve("w").resolve("resnet18-multiview-head.params");
        assertTrue(out.toString().contains(head + " (multi-view head)"), out.toString());
        try (MultiViewClassifier same = new MultiViewClassifier("resnet18", 2, 2, MultiViewClassifier.Aggregation.MEAN,
                TrainCommand.MULTI_VIEW_FEATURE_DIM, BackboneOptions.defaults().withImageSize(32));
                MultiViewClassifier other = new MultiViewClassifier("resnet18", 2, 2, MultiViewClassifier.Aggregation.MAX,
                TrainCommand.MULTI_VIEW_FEATURE_DIM, BackboneOptions.defaults().withImageSize(32))) {
            same.loadHead(head);
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> other.loadHead(head));
            assertTrue(e.getMessage().contains("not resnet18, 2 views, max aggregation"), e.getMessage());
        }

        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString(), "--data", dir.toString()));
        assertTrue(err.toString().startsWith("error: --data trains one image per sample; model.views (2)"), err.toString());
        Files.writeString(config, String.format(SMALL, "  aggregation: concat\n"));
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString()));
        assertEquals("error: " + config + ":5: aggregation needs model.views (the multi-view model)", err.toString().strip());
        Files.writeString(config, String.format(SMALL, "  views: 2\n  aggregation: concat\n"));
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "train", "--config", config.toString()));
        assertEquals("error: " + config + ":6: aggregation must be one of mean, max, attention, got 'concat'", err.toString().strip());
    }
}

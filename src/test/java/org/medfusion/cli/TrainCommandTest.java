package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
}

package org.medfusion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A labelled image folder, torchvision's {@code ImageFolder} layout: one sub-folder per class (classes sorted by
 * name, label = index), PNG or JPEG files in each. Images are decoded with {@link ImageIO}, resized to
 * {@code size x size} (bilinear, aspect ratio not kept), scaled to [0, 1] and normalised with the ImageNet mean and
 * standard deviation torchvision's pretrained weights expect. Batches draw the files in a seeded shuffled order,
 * reshuffled each pass.
 */
public final class ImageFolder {

    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    private final List<String> classes;
    private final List<Path> files;
    private final List<Integer> labels;
    private final int size;
    private final Random random;
    private final List<Integer> order = new ArrayList<>();
    private int next;

    private ImageFolder(List<String> classes, List<Path> files, List<Integer> labels, int size, long seed) {
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.size = size;
        this.random = new Random(seed);
    }

    /**
     * Lists {@code dir}; a one-line error when it is not a folder, has no class sub-folder or no image.
     */
    public static ImageFolder open(Path dir, int size, long seed) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--data " + dir + " is not a directory; expected one sub-folder of PNG/JPEG images per class");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) {
            throw new IllegalArgumentException("--data " + dir + " has no class sub-folders; expected one sub-folder of PNG/JPEG images per class");
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path c : classDirs) {
            classes.add(c.getFileName().toString());
            try (Stream<Path> s = Files.list(c)) {
                for (Path f : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(f);
                    labels.add(classes.size() - 1);
                }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--data " + dir + " holds no .png, .jpg or .jpeg file in its class sub-folders " + classes);
        }
        return new ImageFolder(List.copyOf(classes), List.copyOf(files), List.copyOf(labels), size, seed);
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }

    public List<String> classes() {
        return classes;
    }

    public int size() {
        return files.size();
    }

    /** The next {@code batch} images (B, 3, size, size) and labels (B), in {@code m}. */
    public SyntheticBatch nextBatch(NDManager m, int batch) throws IOException {
        float[] pixels = new float[batch * 3 * size * size];
        long[] y = new long[batch];
        for (int b = 0; b < batch; b++) {
            if (next == order.size()) {
                order.clear();
                for (int i = 0; i < files.size(); i++) {
                    order.add(i);
                }
                Collections.shuffle(order, random);
                next = 0;
            }
            int i = order.get(next++);
            decode(files.get(i), pixels, b * 3 * size * size);
            y[b] = labels.get(i);
        }
        NDArray images = m.create(pixels, new Shape(batch, 3, size, size));
        return new SyntheticBatch(images, m.create(y));
    }

    private void decode(Path file, float[] out, int offset) throws IOException {
        BufferedImage src = ImageIO.read(file.toFile());
        if (src == null) {
            throw new IOException("cannot decode " + file + " as PNG or JPEG");
        }
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        int plane = size * size;
        for (int yy = 0; yy < size; yy++) {
            for (int xx = 0; xx < size; xx++) {
                int rgb = img.getRGB(xx, yy);
                int p = yy * size + xx;
                out[offset + p] = (((rgb >> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
                out[offset + plane + p] = (((rgb >> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
                out[offset + 2 * plane + p] = ((rgb & 0xff) / 255f - MEAN[2]) / STD[2];
            }
        }
    }
}

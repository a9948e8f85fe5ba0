package org.medfusion.results;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVRecord;
import org.medfusion.platform.AtomicFiles;

/**
 * The memory timeline of one training step of a cell: one {@link Event} per event the engine reported (forward of a
 * block, boundary kept, recompute start/end, backward of a segment, gradient accumulation, optimizer update), each
 * with the bytes in use right after it, the high-water mark since the event before, its duration and what those bytes
 * are ({@link Category}). Stored as {@code timelines/<cell id>/timeline.csv} in a run directory ({@link #file}).
 *
 * <p>The categories add up to the bytes in use at every event by construction: parameters, gradients, optimizer state
 * and the batch are the element bytes of the arrays that hold them, measured once before the step; boundaries,
 * activations, the upstream gradient and the step's input copies are the element bytes of the arrays the engine
 * holds at that event; {@link Category#OUTSIDE_STEP} is what the process held at the step's start beyond those
 * arrays (the JVM's and libtorch's own native memory), and {@link Category#SAVED_AND_WORKSPACE} is the rest: what
 * autograd saved for the backward, and workspace or caches the step left allocated. Without a memory source
 * (no allocation counter preloaded on CPU, no cudaMallocAsync pool on a GPU) the byte totals are missing, never
 * invented, and only the held arrays are known.
 */
public record Timeline(String source, List<Event> events, boolean timed) {

    /** The file name inside a cell's folder. */
    public static final String FILE = "timeline.csv";
    /** The run directory's folder of timelines, one sub-folder per cell id. */
    public static final String DIR = "timelines";
    /** The column of {@link Event#predictedPeakAboveStartBytes()} (absent from files written before it existed). */
    public static final String PREDICTED_COLUMN = "predicted_peak_above_start_bytes";
    /** The column saying where the durations come from: {@link #TIMED} or {@link #RECORDED} (older files lack it). */
    public static final String DURATIONS_COLUMN = "durations";
    /** Durations from a timing child ({@link #withDurationsOf}): what the step's time is. */
    public static final String TIMED = "timed";
    /** Durations of the recorded step itself, in the memory child's environment. */
    public static final String RECORDED = "recorded";
    /** The phases of a step, in their order (the events' {@code phase} column). */
    public static final List<String> PHASES = List.of("forward", "recompute", "backward", "update");
    /** {@link #source()} when nothing measured memory. */
    public static final String NO_SOURCE = "none";

    /** What the bytes in use are, at one event. */
    public enum Category {
        PARAMETERS("parameters", true),
        GRADIENTS("gradients", true),
        OPTIMIZER_STATE("optimizer state", true),
        BATCH("batch", true),
        OUTSIDE_STEP("outside the step", true),
        STEP_INPUT("step input", false),
        BOUNDARIES("boundaries", false),
        ACTIVATIONS("activations", false),
        UPSTREAM_GRADIENT("upstream gradient", false),
        SAVED_AND_WORKSPACE("saved by autograd and workspace", false);

        private final String label;
        private final boolean beforeStep;

        Category(String label, boolean beforeStep) {
            this.label = label;
            this.beforeStep = beforeStep;
        }

        public String label() {
            return label;
        }

        /** Whether it is held from before the step to after it (the step's peak is measured above these). */
        public boolean beforeStep() {
            return beforeStep;
        }

        /** Its CSV column, e.g. {@code optimizer_state_bytes}. */
        public String column() {
            return name().toLowerCase(Locale.ROOT) + "_bytes";
        }
    }

    /**
     * One event.
     *
     * @param kind the event's label ({@code recompute forward})
     * @param phase forward, recompute, backward or update
     * @param block the block it concerns, -1 none
     * @param segment the segment it concerns (for gradient accumulation: the micro-batch), -1 none
     * @param durationNs wall time since the event before (for the first: since the recording began)
     * @param inUseBytes bytes in use right after the event; null when not measured
     * @param windowPeakBytes the high-water mark of bytes in use since the event before; null when not measured
     * @param reservedBytes bytes the device allocator reserved (GPU), null elsewhere
     * @param bytes per {@link Category} (by ordinal); an entry is null when it cannot be known without a memory source
     * @param predictedPeakAboveStartBytes the planner's predicted high-water mark for this event above the step's start
     *        (from the model's cached profile, {@code org.medfusion.planner.MemoryModel#timeline}); null when there is
     *        no profile or the model predicts no figure for the event (step start, loss, gradient accumulation)
     */
    public record Event(int index, String kind, String phase, int block, int segment, long durationNs, Long inUseBytes,
            Long windowPeakBytes, Long reservedBytes, List<Long> bytes, Long predictedPeakAboveStartBytes) {

        public Event {
            bytes = java.util.Collections.unmodifiableList(new ArrayList<>(bytes));
            if (bytes.size() != Category.values().length) {
                throw new IllegalArgumentException("an event needs " + Category.values().length + " categories, got " + bytes.size());
            }
        }

        /** A measured event without a prediction. */
        public Event(int index, String kind, String phase, int block, int segment, long durationNs, Long inUseBytes,
                Long windowPeakBytes, Long reservedBytes, List<Long> bytes) {
            this(index, kind, phase, block, segment, durationNs, inUseBytes, windowPeakBytes, reservedBytes, bytes, null);
        }

        /** This event with {@code predicted} as its predicted peak above the step's start (null: none). */
        public Event withPrediction(Long predicted) {
            return new Event(index, kind, phase, block, segment, durationNs, inUseBytes, windowPeakBytes, reservedBytes, bytes, predicted);
        }

        /** This event with {@code ns} as its duration. */
        public Event withDuration(long ns) {
            return new Event(index, kind, phase, block, segment, ns, inUseBytes, windowPeakBytes, reservedBytes, bytes,
                    predictedPeakAboveStartBytes);
        }

        /** Whether {@code other} is the same moment of a step: the same kind, block and segment at the same index. */
        public boolean sameMoment(Event other) {
            return index == other.index && kind.equals(other.kind) && block == other.block && segment == other.segment;
        }

        /** The measured high-water mark above the step's start ({@code start}: the first event's bytes in use), or null. */
        public Long peakAboveStart(Long start) {
            return windowPeakBytes == null || start == null ? null : windowPeakBytes - start;
        }

        public Long bytes(Category c) {
            return bytes.get(c.ordinal());
        }

        /** {@code recompute forward of block 5 (segment 1)}, {@code backward of segment 2}, {@code optimizer update}. */
        public String describe() {
            return switch (kind) {
                case "forward", "forward no-grad", "recompute forward" -> kind + " of block " + block + " (segment " + segment + ")";
                case "boundary kept", "recompute start", "recompute end", "backward" -> kind + " of segment " + segment;
                case "gradient accumulation" -> kind + " (micro-batch " + segment + ")";
                default -> kind;
            };
        }

        /** Freed again before the event's end: workspace, and what a backward freed as it went. */
        public Long transientBytes() {
            return windowPeakBytes == null || inUseBytes == null ? null : windowPeakBytes - inUseBytes;
        }
    }

    /** A recording whose durations are its own (not {@link #timed()}). */
    public Timeline(String source, List<Event> events) {
        this(source, events, false);
    }

    public Timeline {
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a timeline needs at least one event");
        }
    }

    /** Whether bytes in use were measured (an allocation counter or the CUDA pool). */
    public boolean measured() {
        return !NO_SOURCE.equals(source) && events.get(0).inUseBytes() != null;
    }

    /** The event whose high-water mark is the step's largest (the first of equals), when measured. */
    public Event peakEvent() {
        Event best = null;
        for (Event e : events) {
            if (e.windowPeakBytes() != null && (best == null || e.windowPeakBytes() > best.windowPeakBytes())) {
                best = e;
            }
        }
        return best;
    }

    /** Whether any event carries the planner's prediction. */
    public boolean predicted() {
        return events.stream().anyMatch(e -> e.predictedPeakAboveStartBytes() != null);
    }

    /** The event with the largest prediction (the first of equals), or null without predictions. */
    public Event predictedPeakEvent() {
        Event best = null;
        for (Event e : events) {
            Long p = e.predictedPeakAboveStartBytes();
            if (p != null && (best == null || p > best.predictedPeakAboveStartBytes())) {
                best = e;
            }
        }
        return best;
    }

    /** This timeline with each event's prediction from {@code prediction} (null: none for that event). */
    public Timeline withPredictions(java.util.function.Function<Event, Long> prediction) {
        return new Timeline(source, events.stream().map(e -> e.withPrediction(prediction.apply(e))).toList(), timed);
    }

    /**
     * This timeline with each event's duration taken from {@code timed}, a recording of the same cell's step made for
     * its times (in a timing fork's environment, median over several steps): the bytes stay this one's.
     *
     * @throws IllegalArgumentException when {@code timed} is not the same sequence of events
     */
    public Timeline withDurationsOf(Timeline timed) {
        if (timed.events.size() != events.size()) {
            throw new IllegalArgumentException("the timed step has " + timed.events.size() + " events, the recorded one " + events.size());
        }
        List<Event> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            Event t = timed.events.get(i);
            if (!e.sameMoment(t)) {
                throw new IllegalArgumentException("event " + i + " differs: " + e.describe() + " recorded, " + t.describe() + " timed");
            }
            out.add(e.withDuration(t.durationNs()));
        }
        return new Timeline(source, out, true);
    }

    /**
     * The last of {@code steps} (recordings of consecutive steps of one cell) with each event's duration the median
     * over all of them.
     *
     * @throws IllegalArgumentException when the steps are not the same sequence of events
     */
    public static Timeline withMedianDurations(List<Timeline> steps) {
        Timeline last = steps.get(steps.size() - 1);
        List<List<Double>> ns = new ArrayList<>();
        last.events.forEach(e -> ns.add(new ArrayList<>()));
        for (Timeline t : steps) {
            List<Event> same = last.withDurationsOf(t).events; // checks the sequence
            for (int i = 0; i < same.size(); i++) {
                ns.get(i).add((double) same.get(i).durationNs());
            }
        }
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < ns.size(); i++) {
            out.add(last.events.get(i).withDuration(Math.round(Stats.summarize(ns.get(i)).median())));
        }
        return new Timeline(last.source, out, last.timed);
    }

    /** Wall time of the step by phase (forward, recompute, backward, update), in nanoseconds, in the phases' order. */
    public java.util.Map<String, Long> durationByPhase() {
        java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
        PHASES.forEach(p -> out.put(p, 0L));
        for (Event e : events) {
            out.merge(e.phase(), e.durationNs(), Long::sum);
        }
        out.values().removeIf(ns -> ns == 0L);
        return out;
    }

    /**
     * {@code step 279.1 ms: forward 120.3, recompute 60.2 (21.6 %), backward 90.1, update 8.5 ms}: where the step's time
     * went, by phase; the recompute's share is checkpointing's extra forward work.
     */
    public String timeSentence() {
        java.util.Map<String, Long> phases = durationByPhase();
        long total = phases.values().stream().mapToLong(Long::longValue).sum();
        List<String> parts = new ArrayList<>();
        phases.forEach((phase, ns) -> parts.add(phase + " " + String.format(Locale.ROOT, "%.1f", ns / 1e6)
                + ("recompute".equals(phase) && total > 0 ? String.format(Locale.ROOT, " (%.1f %%)", 100.0 * ns / total) : "")));
        return String.format(Locale.ROOT, "step %.1f ms: %s ms", total / 1e6, String.join(", ", parts));
    }

    /** The step's peak above the bytes in use at its start (what a cell's peak figure measures), or null. */
    public Long peakAboveStart() {
        Event p = peakEvent();
        Long start = events.get(0).inUseBytes();
        return p == null || start == null ? null : p.windowPeakBytes() - start;
    }

    /**
     * The report's sentence: {@code peak 312.4 MiB during backward of segment 0: boundaries 12.0 MiB, activations ...
     * (above the step's start; on top of parameters ...)}.
     */
    public String sentence() {
        Event p = peakEvent();
        if (!measured() || p == null) {
            return "memory not measured (no allocation counter in the process that recorded it: source " + source + ")";
        }
        StringBuilder sb = new StringBuilder("peak ").append(mib(peakAboveStart())).append(" MiB above the step's start during ")
                .append(p.describe()).append(": ");
        List<String> step = new ArrayList<>();
        List<String> before = new ArrayList<>();
        for (Category c : Category.values()) {
            (c.beforeStep() ? before : step).add(c.label() + " " + mib(p.bytes(c)));
        }
        step.add("freed within the event " + mib(p.transientBytes()));
        sb.append(String.join(", ", step)).append(" MiB; on top of ").append(String.join(", ", before)).append(" MiB");
        Event predicted = predictedPeakEvent();
        if (predicted != null) {
            long at = predicted.predictedPeakAboveStartBytes();
            long measured = peakAboveStart();
            sb.append(". The planner's model (the cached profile) predicted ").append(mib(at)).append(" MiB during ")
                    .append(predicted.describe());
            if (measured > 0) {
                sb.append(String.format(Locale.ROOT, " (%+.1f %% of the measured peak)", 100.0 * (at - measured) / measured));
            }
        }
        return sb.toString();
    }

    private static String mib(Long bytes) {
        return bytes == null ? "n/a" : String.format(Locale.ROOT, "%.1f", bytes / Fmt.MIB);
    }

    /** The CSV header, in order. */
    public static List<String> header() {
        List<String> h = new ArrayList<>(List.of("event", "kind", "phase", "block", "segment", "duration_ns", "source", "in_use_bytes",
                "window_peak_bytes", "reserved_bytes"));
        for (Category c : Category.values()) {
            h.add(c.column());
        }
        h.add(PREDICTED_COLUMN);
        h.add(DURATIONS_COLUMN);
        return h;
    }

    public String toCsv() {
        List<List<String>> rows = new ArrayList<>();
        for (Event e : events) {
            List<String> r = new ArrayList<>(List.of(Integer.toString(e.index()), e.kind(), e.phase(), Integer.toString(e.block()),
                    Integer.toString(e.segment()), Long.toString(e.durationNs()), source, text(e.inUseBytes()), text(e.windowPeakBytes()),
                    text(e.reservedBytes())));
            e.bytes().forEach(b -> r.add(text(b)));
            r.add(text(e.predictedPeakAboveStartBytes()));
            r.add(timed ? TIMED : RECORDED);
            rows.add(r);
        }
        return Csv.render(header(), rows);
    }

    private static String text(Long v) {
        return v == null ? "" : Long.toString(v);
    }

    /** Where {@code cellId}'s timeline lives in {@code runDir}. */
    public static Path file(Path runDir, String cellId) {
        return runDir.resolve(DIR).resolve(cellId).resolve(FILE);
    }

    /** Writes it atomically; returns the file. */
    public Path write(Path file) {
        return AtomicFiles.writeString(file, toCsv());
    }

    /**
     * Reads a timeline file.
     *
     * @throws ReportDataException when the file is missing or corrupt (one line naming it)
     */
    public static Timeline read(Path file) {
        try (Reader r = Files.newBufferedReader(file)) {
            List<Event> events = new ArrayList<>();
            String source = null;
            boolean timed = false;
            for (CSVRecord rec : Csv.FORMAT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                List<Long> bytes = new ArrayList<>();
                for (Category c : Category.values()) {
                    bytes.add(parse(rec.get(c.column())));
                }
                source = rec.get("source");
                timed = rec.isMapped(DURATIONS_COLUMN) && TIMED.equals(rec.get(DURATIONS_COLUMN));
                events.add(new Event(Integer.parseInt(rec.get("event")), rec.get("kind"), rec.get("phase"), Integer.parseInt(rec.get("block")),
                        Integer.parseInt(rec.get("segment")), Long.parseLong(rec.get("duration_ns")), parse(rec.get("in_use_bytes")),
                        parse(rec.get("window_peak_bytes")), parse(rec.get("reserved_bytes")), bytes,
                        rec.isMapped(PREDICTED_COLUMN) ? parse(rec.get(PREDICTED_COLUMN)) : null)); // older files lack it
            }
            return new Timeline(source, events, timed);
        } catch (NoSuchFileException e) {
            throw new ReportDataException("missing timeline " + file);
        } catch (IOException | RuntimeException e) {
            throw new ReportDataException("corrupt timeline " + file + ": " + e.getMessage(), e);
        }
    }

    private static Long parse(String s) {
        return s == null || s.isEmpty() ? null : Long.valueOf(s);
    }
}

package org.medfusion.planner;

import java.util.Locale;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/** The configuration a profile belongs to: a cell's coordinates without segments and split. */
public record ProfileKey(String model, int batch, int res, Precision precision, Device device) {

    /** File-name-safe id, e.g. {@code resnet50_b16_r112_fp32_cpu}. */
    public String id() {
        return String.format(Locale.ROOT, "%s_b%d_r%d_%s_%s", model, batch, res, precision.label(), device.label());
    }
}

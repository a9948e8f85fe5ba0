package org.medfusion.bench;

import ai.djl.nn.Parameter;
import java.util.List;
import org.medfusion.backbones.Backbone;

/**
 * Waits for a GPU to finish queued work by reading one element of the last parameter the optimizer
 * updated (a device-to-host copy synchronises the stream). On CPU every op has already finished.
 */
final class DeviceSync {

    private DeviceSync() {
    }

    static void await(Backbone b) {
        if (!b.manager().getDevice().isGpu()) {
            return;
        }
        List<Parameter> params = b.trainableParameters();
        params.get(params.size() - 1).getArray().get(0).toFloatArray();
    }
}

package org.medfusion.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.medfusion.checkpoint.SequenceForward;

/** A model the training step can drive: a training forward that knows its own backward, and inference. */
public interface TrainableModel {

    /** Training-mode forward; arrays of the step live in {@code stepManager}. */
    SequenceForward forwardTraining(ParameterStore ps, NDArray input, long step, NDManager stepManager);

    /** Inference forward (eval mode: checkpointing inert). */
    NDArray forwardInference(ParameterStore ps, NDArray input, NDManager resultManager);

    /** Every parameter that receives a gradient. */
    List<Parameter> trainableParameters();
}

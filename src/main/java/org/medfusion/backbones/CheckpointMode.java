package org.medfusion.backbones;

/** How a family is cut into checkpointable blocks (the seed's three modes). */
public enum CheckpointMode {
    /** Mode 1: the CNN's sequential layers (stem, every block, head). */
    SEQUENTIAL_LAYERS,
    /** Mode 2: one block per transformer layer (plus embedding and head). */
    TRANSFORMER_LAYERS,
    /** Mode 3: hybrid, by stage: downsampling layers and blocks of each stage. */
    HYBRID_STAGES
}

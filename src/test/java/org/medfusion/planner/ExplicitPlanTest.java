package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.checkpoint.SplitPolicy;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/** How {@code plan --measure} gets a plan with stored segments into a fork: the explicit plan replaces the optimal split. */
class ExplicitPlanTest {

    private final String previous = System.getProperty(OptimalSplit.EXPLICIT_PLAN_PROPERTY);

    @AfterEach
    void restore() {
        if (previous == null) {
            System.clearProperty(OptimalSplit.EXPLICIT_PLAN_PROPERTY);
        } else {
            System.setProperty(OptimalSplit.EXPLICIT_PLAN_PROPERTY, previous);
        }
    }

    @Test
    void explicitPlanReplacesTheOptimalSplitOnly() {
        SegmentPlan plan = SegmentPlan.parse("0-2s,2-3r,3-10s");
        String arg = OptimalSplit.explicitPlanJvmArg(plan);
        assertEquals("-D" + OptimalSplit.EXPLICIT_PLAN_PROPERTY + "=0-2s,2-3r,3-10s", arg);
        System.setProperty(OptimalSplit.EXPLICIT_PLAN_PROPERTY, arg.substring(arg.indexOf('=') + 1));
        ProfileKey key = new ProfileKey("resnet18", 2, 32, Precision.FP32, Device.CPU);
        assertEquals(plan, OptimalSplit.policy(Split.OPTIMAL, key, 3).plan(10, 3));
        assertEquals(SplitPolicy.UNIFORM.plan(10, 3), OptimalSplit.policy(Split.UNIFORM, key, 3).plan(10, 3), "uniform ignores it");
    }
}

package org.medfusion.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one hs_err reader: signal, problematic frame, stack frames; the signal of an exit status. */
class HsErrReportTest {

    static final String ONEDNN = """
            #
            # A fatal error has been detected by the Java Runtime Environment:
            #
            #  SIGFPE (0x8) at pc=0x00007f5fb8030a92, pid=1888, tid=1890
            #
            # Problematic frame:
            # C  [libtorch_cpu.so+0x11630a92]  dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()+0xae2
            #
            ---------------  T H R E A D  ---------------
            Native frames: (J=compiled Java code, j=interpreted, Vv=VM code, C=native code)
            C  [libtorch_cpu.so+0x11630a92]  dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()+0xae2
            C  [libtorch_cpu.so+0x1162f000]  dnnl_convolution_backward_data_primitive_desc_create+0x120
            j  ai.djl.pytorch.jni.PyTorchLibrary.torchBackward(JJZZ)V+0
            """;

    @Test
    void readsSignalFrameAndStack() {
        HsErrReport r = HsErrReport.parse(ONEDNN, 134);
        assertEquals("SIGFPE", r.signal());
        assertEquals("libtorch_cpu.so dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()",
                r.frame());
        assertEquals(3, r.frames().size(), r.frames().toString());
        assertTrue(r.anyFrameContains("dnnl_convolution_backward_data"));
        assertFalse(r.anyFrameContains("SimulatedOneDnnCrash"));
        assertEquals("SIGFPE at " + r.frame(), r.describe());
    }

    @Test
    void signalOfTheExitStatusWhenTheFileSaysNothing() {
        HsErrReport r = HsErrReport.parse("", 134);
        assertEquals("SIGABRT", r.signal());
        assertNull(r.frame());
        assertEquals("SIGKILL", HsErrReport.signalOfExit(137));
        assertEquals("signal 33", HsErrReport.signalOfExit(161));
        assertEquals("native crash", HsErrReport.signalOfExit(1));
    }
}

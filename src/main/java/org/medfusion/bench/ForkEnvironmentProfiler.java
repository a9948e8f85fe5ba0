package org.medfusion.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.ExternalProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;

/**
 * A JMH profiler whose only external effect is the environment a fork starts with ({@code env VAR=value ... java}):
 * JMH has no other way to set a forked JVM's environment. Subclasses name the variables.
 */
abstract class ForkEnvironmentProfiler implements ExternalProfiler {

    /** {@code VAR=value} entries for the fork of {@code params}. */
    abstract List<String> forkEnvironment(BenchmarkParams params);

    @Override
    public final Collection<String> addJVMInvokeOptions(BenchmarkParams params) {
        List<String> env = new ArrayList<>(List.of("env"));
        env.addAll(forkEnvironment(params));
        return env;
    }

    @Override
    public Collection<String> addJVMOptions(BenchmarkParams params) {
        return List.of();
    }

    @Override
    public void beforeTrial(BenchmarkParams benchmarkParams) {
    }

    @Override
    public Collection<? extends Result> afterTrial(BenchmarkResult br, long pid, File stdOut, File stdErr) {
        return List.of();
    }

    @Override
    public boolean allowPrintOut() {
        return true;
    }

    @Override
    public boolean allowPrintErr() {
        return true;
    }
}

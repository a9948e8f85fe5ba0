package org.medfusion.cli;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's defaults of shared mixin options that have none of their own (by long option name), such as
 * {@code --res} of {@link ModelSetupOptions} and {@code --batch}/{@code --segments} of {@link CellOptions}: the
 * options are declared once, each command that mixes them in gives its own defaults, and {@code --help} shows them.
 */
abstract class OptionDefaults implements IDefaultValueProvider {
    private final Map<String, String> values;

    OptionDefaults(Map<String, String> values) {
        this.values = values;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? values.get(o.longestName()) : null;
    }
}

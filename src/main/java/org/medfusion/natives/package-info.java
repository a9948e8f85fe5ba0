/**
 * Native-engine safety: loading libtorch once per process ({@link org.medfusion.natives.Natives}); the one call site of
 * convolutions ({@link org.medfusion.natives.ConvCall}); a preflight that probes, in a child JVM, every convolution
 * shape class the models about to run execute ({@link org.medfusion.natives.NativePreflight},
 * {@link org.medfusion.natives.ProbeMain}) and caches its verdict ({@link org.medfusion.natives.NativeVerdict}); the
 * fallbacks that avoid oneDNN's crash on some CPUs ({@link org.medfusion.natives.Fallback}); and the shape-keyed
 * simulation of that crash for machines that do not have it ({@link org.medfusion.natives.SimulatedOneDnnCrash}).
 * See docs/native-fallback.md.
 */
package org.medfusion.natives;

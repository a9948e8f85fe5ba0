/**
 * Native-engine safety: loading libtorch once per process ({@link org.medfusion.natives.Natives}), a preflight
 * probe in a child JVM that detects native crashes of the kind seen on some CPUs (oneDNN SIGFPE on 1x1-convolution
 * backward, DESIGN.md 4b) before anything is measured ({@link org.medfusion.natives.NativePreflight},
 * {@link org.medfusion.natives.ProbeMain}), its cached verdict ({@link org.medfusion.natives.NativeVerdict}) and the
 * fallback that avoids the crash ({@link org.medfusion.natives.OneDnnFallback}).
 */
package org.medfusion.natives;

/**
 * The platform under everything: process and file plumbing that the rest of the project uses and that uses nothing
 * of the project's own packages. The single child-JVM launcher ({@link org.medfusion.platform.ChildJvm}) and the one
 * reader of a JVM's fatal error log ({@link org.medfusion.platform.HsErrReport}).
 */
package org.medfusion.platform;

/**
 * The CI regression gate: compares a candidate run's stored cells with a baseline run's and gives a verdict
 * that CI reads from the exit code ({@link org.medfusion.gate.RegressionGate}).
 */
package org.medfusion.gate;

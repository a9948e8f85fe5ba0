package org.medfusion.gate;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.medfusion.platform.Json;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The CI-native renderings of a {@link RegressionGate.Verdict}: JUnit XML (one test case per cell and check, so
 * CI test reporters show a regressed cell as a failed test; reported-only checks are skipped tests), a Markdown
 * summary (a CI job summary or PR comment) and JSON.
 */
public final class GateOutputs {

    private GateOutputs() {
    }

    /** One line: counts and the verdict. */
    public static String summaryLine(RegressionGate.Verdict v) {
        return String.format("gate: %d cells compared, %d not compared (not ok in the baseline), %d checks, %d failed:"
                + " %s", v.compared(), v.notCompared(), v.results().size(), v.failures().size(),
                v.passed() ? "PASS" : "FAIL");
    }

    /** JUnit XML built with the JDK's DOM (so every name and message is escaped). */
    public static String junit(RegressionGate.Verdict v) {
        try {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element suites = d.createElement("testsuites");
            d.appendChild(suites);
            Element suite = d.createElement("testsuite");
            suites.appendChild(suite);
            suite.setAttribute("name", "regression-gate");
            suite.setAttribute("tests", Integer.toString(v.results().size()));
            suite.setAttribute("failures", Integer.toString(v.failures().size()));
            suite.setAttribute("errors", "0");
            suite.setAttribute("skipped", Long.toString(
                    v.results().stream().filter(r -> r.outcome() == RegressionGate.Outcome.REPORTED).count()));
            for (RegressionGate.Result r : v.results()) {
                Element tc = d.createElement("testcase");
                tc.setAttribute("classname", "gate." + r.key().id());
                tc.setAttribute("name", r.check().label());
                tc.setAttribute("time", "0");
                String detail = r.baseline() + " -> " + r.candidate() + (r.change().isEmpty() ? "" : " (" + r.change() + ")");
                if (r.outcome() == RegressionGate.Outcome.FAIL) {
                    Element f = d.createElement("failure");
                    f.setAttribute("message", r.why());
                    f.setAttribute("type", r.check().label());
                    f.setTextContent(detail + ": " + r.why());
                    tc.appendChild(f);
                } else if (r.outcome() == RegressionGate.Outcome.REPORTED) {
                    Element s = d.createElement("skipped");
                    s.setAttribute("message", r.why() + ": " + detail);
                    tc.appendChild(s);
                }
                suite.appendChild(tc);
            }
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(d), new StreamResult(w));
            return w.toString();
        } catch (ParserConfigurationException | TransformerException e) {
            throw new IllegalStateException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    /** A Markdown summary: verdict line, then a table of every check (failures first). */
    public static String markdown(RegressionGate.Verdict v) {
        StringBuilder sb = new StringBuilder();
        sb.append("### Regression gate: ").append(v.passed() ? "PASS" : "FAIL").append("\n\n");
        sb.append(summaryLine(v)).append(v.environmentsMatch() ? "" : "; environments differ, absolute step times"
                + " reported, not gated").append(".\n\n");
        sb.append("| cell | check | baseline | candidate | change | verdict | why |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        List<RegressionGate.Result> rows = new java.util.ArrayList<>(v.failures());
        v.results().stream().filter(r -> r.outcome() != RegressionGate.Outcome.FAIL).forEach(rows::add);
        for (RegressionGate.Result r : rows) {
            sb.append("| ").append(cell(r.key().id())).append(" | ").append(r.check().label()).append(" | ")
                    .append(cell(r.baseline())).append(" | ").append(cell(r.candidate())).append(" | ")
                    .append(cell(r.change())).append(" | ")
                    .append(r.outcome() == RegressionGate.Outcome.FAIL ? "**fail**" : r.outcome().label())
                    .append(" | ").append(cell(r.why())).append(" |\n");
        }
        return sb.toString();
    }

    /** The verdict as JSON: passed, counts and every result. */
    public static String json(RegressionGate.Verdict v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("passed", v.passed());
        m.put("compared", v.compared());
        m.put("notCompared", v.notCompared());
        m.put("environmentsMatch", v.environmentsMatch());
        m.put("failures", v.failures().size());
        List<Map<String, Object>> rs = new java.util.ArrayList<>();
        for (RegressionGate.Result r : v.results()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("cell", r.key().id());
            e.put("check", r.check().label());
            e.put("verdict", r.outcome().label());
            e.put("baseline", r.baseline());
            e.put("candidate", r.candidate());
            e.put("change", r.change());
            e.put("why", r.why());
            rs.add(e);
        }
        m.put("results", rs);
        try {
            return Json.MAPPER.writeValueAsString(m) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}

package camgate.audit.tools;

import camgate.audit.CanonicalJson;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The access register of a verified bundle, CNIL style: who accessed which camera, when, for what purpose,
 * under which policy version; raw views with their requisitions; vendor sessions; policy publications.
 * Written as one CSV (a {@code category} column) and one HTML page with a section per category.
 */
final class AccessRegister {
  static final List<String> COLUMNS = List.of("seq", "time", "category", "type", "subject", "roles", "org", "action",
      "camera", "zone", "purpose", "requisition", "allowed", "redaction", "policy_version", "decision_id", "details");

  static final String ACCESS = "access";
  static final String RAW = "raw view";
  static final String VENDOR = "vendor session";
  static final String POLICY = "policy publication";
  static final String ENDED = "access ended";
  static final String OTHER = "administration";

  record Written(Path csv, Path html, int rows) {
  }

  private AccessRegister() {
  }

  /** Reads {@code bundle/entries.jsonl} (range from {@code bundle.json} if present) and writes the register. BLOCKING. */
  static Written write(Path bundle, Path outDir) throws IOException {
    long from = 0;
    long to = Long.MAX_VALUE;
    Path meta = bundle.resolve("bundle.json");
    if (Files.isRegularFile(meta)) {
      JsonNode m = CanonicalJson.parse(Files.readString(meta));
      from = m.path("report_from").asLong(0);
      to = m.path("report_to").asLong(Long.MAX_VALUE);
    }
    List<Map<String, String>> rows = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(bundle.resolve("entries.jsonl"), StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode e = CanonicalJson.parse(line);
        long seq = e.path("seq").asLong();
        if (seq >= from && seq < to) {
          rows.add(row(e));
        }
      }
    }
    Files.createDirectories(outDir);
    Path csv = outDir.resolve("register.csv");
    Path html = outDir.resolve("register.html");
    writeCsv(rows, csv);
    writeHtml(rows, html, from, to);
    return new Written(csv, html, rows.size());
  }

  static Map<String, String> row(JsonNode e) {
    Map<String, String> r = new LinkedHashMap<>();
    JsonNode subject = e.path("subject");
    JsonNode resource = e.path("resource");
    JsonNode decision = e.path("decision");
    JsonNode details = e.path("details");
    String type = text(e.path("type"));
    String action = text(e.path("action"));
    String roles = list(subject.path("roles"));
    r.put("seq", text(e.path("seq")));
    r.put("time", text(e.path("time")));
    r.put("category", category(type, action, roles));
    r.put("type", type);
    r.put("subject", text(subject.path("id")));
    r.put("roles", roles);
    r.put("org", text(subject.path("org")));
    r.put("action", action);
    r.put("camera", text(resource.path("camera")));
    r.put("zone", text(resource.path("zone")));
    r.put("purpose", firstText(details.path("purpose"), e.path("context").path("purpose")));
    r.put("requisition", firstText(details.path("requisition"), decision.path("requisition")));
    r.put("allowed", decision.has("allow") ? text(decision.path("allow")) : "");
    r.put("redaction", redaction(decision.path("redact")));
    r.put("policy_version", text(e.path("policy_version")));
    r.put("decision_id", text(e.path("decision_id")));
    r.put("details", details.isObject() && details.size() > 0 ? CanonicalJson.canonicalize(details) : "");
    return r;
  }

  static String category(String type, String action, String roles) {
    if ("policy_published".equals(type) || "admin_policy".equals(action)) {
      return POLICY;
    }
    if ("access_ended".equals(type)) {
      return ENDED;
    }
    if ("maintenance".equals(action) || roles.contains("vendor")) {
      return VENDOR;
    }
    if ("view_raw".equals(action)) {
      return RAW;
    }
    if ("access_decision".equals(type)) {
      return ACCESS;
    }
    return OTHER;
  }

  private static String redaction(JsonNode redact) {
    if (!redact.isObject()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    redact.fields().forEachRemaining(f -> parts.add(f.getKey() + "=" + text(f.getValue())));
    return String.join(" ", parts);
  }

  private static String text(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return "";
    }
    return n.isValueNode() ? n.asText() : CanonicalJson.canonicalize(n);
  }

  private static String firstText(JsonNode a, JsonNode b) {
    String t = text(a);
    return t.isEmpty() ? text(b) : t;
  }

  private static String list(JsonNode n) {
    if (!n.isArray()) {
      return text(n);
    }
    List<String> parts = new ArrayList<>();
    n.forEach(x -> parts.add(text(x)));
    return String.join(" ", parts);
  }

  static void writeCsv(List<Map<String, String>> rows, Path file) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(String.join(",", COLUMNS));
      w.write("\r\n");
      for (Map<String, String> r : rows) {
        List<String> cells = new ArrayList<>();
        for (String c : COLUMNS) {
          cells.add(csvCell(r.getOrDefault(c, "")));
        }
        w.write(String.join(",", cells));
        w.write("\r\n");
      }
    }
  }

  /** RFC 4180 quoting; a leading = + - @ is neutralised with ' so a spreadsheet never runs a cell as a formula. */
  static String csvCell(String v) {
    String s = v;
    if (!s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
      s = "'" + s;
    }
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") || !s.equals(v)) {
      s = "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  static String html(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static void writeHtml(List<Map<String, String>> rows, Path file, long from, long to) throws IOException {
    Map<String, String> sections = new LinkedHashMap<>();
    sections.put(ACCESS, "Accesses (who viewed which camera, when, why, under which policy)");
    sections.put(RAW, "Raw (unredacted) views and their requisitions");
    sections.put(VENDOR, "Vendor maintenance sessions");
    sections.put(POLICY, "Policy publications");
    sections.put(ENDED, "Ended accesses (duration, frames, bytes)");
    sections.put(OTHER, "Administration, sign-in and key events");
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\n"
          + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          + "<title>Registre des accès vidéoprotection</title>\n<style>body{font-family:sans-serif;margin:2em}"
          + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #999;padding:3px 6px;text-align:left;"
          + "vertical-align:top}th{background:#eee}h2{margin-top:2em}</style></head><body>\n");
      w.write("<h1>Registre des accès / access register</h1>\n<p>Entries " + from + " to "
          + (to == Long.MAX_VALUE ? "end" : String.valueOf(to - 1)) + " of a verified audit bundle; "
          + rows.size() + " rows.</p>\n");
      for (Map.Entry<String, String> section : sections.entrySet()) {
        List<Map<String, String>> in = rows.stream().filter(r -> section.getKey().equals(r.get("category"))).toList();
        w.write("<h2>" + html(section.getValue()) + " (" + in.size() + ")</h2>\n");
        if (in.isEmpty()) {
          w.write("<p>None.</p>\n");
          continue;
        }
        w.write("<table><thead><tr>");
        for (String c : COLUMNS) {
          w.write("<th>" + html(c) + "</th>");
        }
        w.write("</tr></thead><tbody>\n");
        for (Map<String, String> r : in) {
          w.write("<tr>");
          for (String c : COLUMNS) {
            w.write("<td>" + html(r.getOrDefault(c, "")) + "</td>");
          }
          w.write("</tr>\n");
        }
        w.write("</tbody></table>\n");
      }
      w.write("</body></html>\n");
    }
  }
}

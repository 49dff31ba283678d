package camgate.gateway.onvif;

/**
 * The SOAP 1.2 envelope of camgate's ONVIF replies, with the namespace prefixes ONVIF clients expect declared
 * once on the envelope. Values written into it go through {@link #escape}.
 */
final class SoapReply {

  static final String SOAP = "http://www.w3.org/2003/05/soap-envelope";
  static final String DEVICE = "http://www.onvif.org/ver10/device/wsdl";
  static final String MEDIA = "http://www.onvif.org/ver10/media/wsdl";
  static final String SCHEMA = "http://www.onvif.org/ver10/schema";

  private SoapReply() {
  }

  /** An envelope around {@code body} (already XML). */
  static String envelope(String body) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<s:Envelope xmlns:s=\"" + SOAP + "\" xmlns:tds=\"" + DEVICE + "\" xmlns:trt=\"" + MEDIA + "\""
        + " xmlns:tt=\"" + SCHEMA + "\" xmlns:ter=\"http://www.onvif.org/ver10/error\">"
        + "<s:Body>" + body + "</s:Body></s:Envelope>";
  }

  /** Text or attribute content escaped for XML. */
  static String escape(String text) {
    StringBuilder b = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}

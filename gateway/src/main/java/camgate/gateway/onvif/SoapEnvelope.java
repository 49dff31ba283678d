package camgate.gateway.onvif;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One SOAP envelope as received (a device or media request, a WS-Discovery probe): its header and the body's
 * operation element. Parsing is closed to the tricks XML allows: a document type declaration is refused (no
 * entity of any kind, so no XXE and no entity expansion bomb), nothing external is ever fetched, XInclude is off,
 * and the JDK's secure-processing limits apply.
 */
final class SoapEnvelope {

  static final String SOAP12 = "http://www.w3.org/2003/05/soap-envelope";
  private static final String SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";

  private final Element header;
  private final Element operation;

  private SoapEnvelope(Element header, Element operation) {
    this.header = header;
    this.operation = operation;
  }

  /**
   * Reads an envelope.
   *
   * @throws SoapFault {@code ter:WellFormed} if the bytes are not a SOAP envelope with one operation in its body,
   *                   or declare a document type
   */
  static SoapEnvelope parse(byte[] xml) {
    Document doc;
    try {
      DocumentBuilder builder = factory().newDocumentBuilder();
      builder.setErrorHandler(SILENT);
      // Never resolve anything: an entity reference that slipped through resolves to nothing.
      builder.setEntityResolver((publicId, systemId) -> new InputSource(new ByteArrayInputStream(new byte[0])));
      doc = builder.parse(new ByteArrayInputStream(xml));
    } catch (SAXException e) {
      throw SoapFault.malformed("the request is not well-formed XML or declares a document type (refused): "
          + e.getMessage() + "; send a SOAP 1.2 envelope without a DOCTYPE");
    } catch (IOException | ParserConfigurationException e) {
      throw SoapFault.malformed("the request could not be read as XML: " + e.getMessage());
    }
    Element root = doc.getDocumentElement();
    if (!"Envelope".equals(root.getLocalName())
        || !(SOAP12.equals(root.getNamespaceURI()) || SOAP11.equals(root.getNamespaceURI()))) {
      throw SoapFault.malformed("the document element is {" + root.getNamespaceURI() + "}" + root.getLocalName()
          + ", not a SOAP Envelope ({" + SOAP12 + "}Envelope)");
    }
    Element header = child(root, "Header").orElse(null);
    Element body = child(root, "Body").orElseThrow(() -> SoapFault.malformed("the SOAP envelope has no Body"));
    List<Element> ops = children(body);
    if (ops.size() != 1) {
      throw SoapFault.malformed("the SOAP Body holds " + ops.size() + " elements; send exactly one operation");
    }
    return new SoapEnvelope(header, ops.get(0));
  }

  private static DocumentBuilderFactory factory() throws ParserConfigurationException {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setFeature("http://xml.org/sax/features/external-general-entities", false);
    f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    f.setXIncludeAware(false);
    f.setExpandEntityReferences(false);
    return f;
  }

  /** The operation's local name, e.g. {@code GetProfiles}. */
  String operation() {
    return operation.getLocalName();
  }

  /** The operation's namespace, e.g. {@code http://www.onvif.org/ver10/media/wsdl}. */
  String namespace() {
    return String.valueOf(operation.getNamespaceURI());
  }

  /** The text of the operation's first descendant element with this local name, trimmed. */
  Optional<String> argument(String localName) {
    return text(operation, localName);
  }

  /** The text of the header's first descendant element with this local name, trimmed. */
  Optional<String> headerValue(String localName) {
    return header == null ? Optional.empty() : text(header, localName);
  }

  /** The WS-Security UsernameToken of the header, if one was sent. */
  Optional<UsernameToken> usernameToken() {
    if (header == null) {
      return Optional.empty();
    }
    var tokens = header.getElementsByTagNameNS("*", "UsernameToken");
    if (tokens.getLength() == 0) {
      return Optional.empty();
    }
    Element t = (Element) tokens.item(0);
    String passwordType = descendant(t, "Password").map(p -> p.getAttribute("Type")).orElse("");
    return Optional.of(new UsernameToken(text(t, "Username").orElse(""), text(t, "Password").orElse(""),
        passwordType, text(t, "Nonce").orElse(""), text(t, "Created").orElse("")));
  }

  private static Optional<String> text(Element scope, String localName) {
    return descendant(scope, localName).map(e -> e.getTextContent().trim());
  }

  private static Optional<Element> descendant(Element scope, String localName) {
    var found = scope.getElementsByTagNameNS("*", localName);
    return found.getLength() == 0 ? Optional.empty() : Optional.of((Element) found.item(0));
  }

  private static Optional<Element> child(Element parent, String localName) {
    return children(parent).stream().filter(e -> localName.equals(e.getLocalName())).findFirst();
  }

  private static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        out.add(e);
      }
    }
    return out;
  }

  /** The parser's errors are thrown, never printed to stderr. */
  private static final ErrorHandler SILENT = new ErrorHandler() {
    @Override
    public void warning(SAXParseException e) {
    }

    @Override
    public void error(SAXParseException e) throws SAXException {
      throw e;
    }

    @Override
    public void fatalError(SAXParseException e) throws SAXException {
      throw e;
    }
  };
}

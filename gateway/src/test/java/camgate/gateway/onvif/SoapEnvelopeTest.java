package camgate.gateway.onvif;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading SOAP envelopes: what ONVIF clients send is read; DTDs, entities and other shapes are faults. */
class SoapEnvelopeTest {

  private static SoapEnvelope parse(String xml) {
    return SoapEnvelope.parse(xml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheOperationItsArgumentsAndTheUsernameTokenAsAgshOnvifSendsThem() {
    SoapEnvelope e = parse("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header>"
        + "<Security s:mustUnderstand=\"1\" xmlns=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-"
        + "secext-1.0.xsd\"><UsernameToken><Username>vms-1</Username><Password Type=\"" + UsernameToken.PASSWORD_DIGEST
        + "\">ZGlnZXN0</Password><Nonce>bm9uY2Vub25jZQ==</Nonce><Created xmlns=\"http://docs.oasis-open.org/wss/2004/"
        + "01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">2026-12-02T10:00:00.123Z</Created></UsernameToken>"
        + "</Security></s:Header><s:Body><GetStreamUri xmlns=\"http://www.onvif.org/ver10/media/wsdl\"><StreamSetup>"
        + "<Stream xmlns=\"http://www.onvif.org/ver10/schema\">RTP-Unicast</Stream></StreamSetup>"
        + "<ProfileToken>cam-face</ProfileToken></GetStreamUri></s:Body></s:Envelope>");
    assertEquals("GetStreamUri", e.operation());
    assertEquals(SoapReply.MEDIA, e.namespace());
    assertEquals(Optional.of("cam-face"), e.argument("ProfileToken"));
    UsernameToken t = e.usernameToken().orElseThrow();
    assertEquals("vms-1", t.username());
    assertEquals(UsernameToken.PASSWORD_DIGEST, t.passwordType());
    assertEquals("2026-12-02T10:00:00.123Z", t.created());
    assertFalse(t.toString().contains("ZGlnZXN0"), "the digest stays out of logs");
  }

  @Test
  void anExternalEntityIsRefusedAndNothingIsRead() throws Exception {
    Path secret = Files.createTempFile("xxe", ".txt");
    Files.writeString(secret, "TOP-SECRET-LINE");
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
        + "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><Get>&x;</Get></s:Body></s:Envelope>";
    SoapFault f = assertThrows(SoapFault.class, () -> parse(xxe));
    assertEquals("ter:WellFormed", f.subcode());
    assertFalse(f.envelope().contains("TOP-SECRET-LINE"));
  }

  @Test
  void anEntityExpansionBombIsRefusedAtItsDoctype() {
    StringBuilder dtd = new StringBuilder("<!DOCTYPE e [<!ENTITY a0 \"lol\">");
    for (int i = 1; i < 10; i++) {
      dtd.append("<!ENTITY a").append(i).append(" \"").append(("&a" + (i - 1) + ";").repeat(10)).append("\">");
    }
    String bomb = dtd + "]><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><Get>&a9;</Get>"
        + "</s:Body></s:Envelope>";
    assertEquals("ter:WellFormed", assertThrows(SoapFault.class, () -> parse(bomb)).subcode());
  }

  @Test
  void otherShapesAreFaultsThatSayWhatWasExpected() {
    Map<String, String> bad = Map.of(
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>", "well-formed",
        "<Envelope><Body><GetProfiles/></Body></Envelope>", "not a SOAP Envelope",
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"/>", "no Body",
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><a/><b/></s:Body></s:Envelope>",
        "exactly one operation",
        "", "well-formed");
    bad.forEach((xml, says) -> {
      SoapFault f = assertThrows(SoapFault.class, () -> parse(xml), xml);
      assertEquals(400, f.httpStatus());
      assertTrue(f.getMessage().contains(says), f.getMessage());
    });
  }

  @Test
  void aProbeForAnotherTypeOrScopeGetsNoAnswerAndOursGetsOne() {
    DeviceService device = new DeviceService(new OnvifSettings(Map.of(), "camgate", "Valenciennes", Optional.empty()),
        "urn:uuid:0", Clock.systemUTC());
    WsDiscovery discovery = new WsDiscovery(new OnvifSettings.Discovery("lo", 0), device, "0.0.0.0", () -> 8080);
    String probe = "<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:dn=\"http://www.onvif.org/ver10/"
        + "network/wsdl\"><Header><wsa:MessageID xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">"
        + "urn:uuid:42</wsa:MessageID></Header><Body><Probe xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"
        + "<Types>%s</Types><Scopes>%s</Scopes></Probe></Body></Envelope>";
    assertTrue(discovery.answer(parse(String.format(probe, "dn:NetworkVideoTransmitter", ""))).isPresent());
    assertTrue(discovery.answer(parse(String.format(probe, "", "onvif://www.onvif.org/location/Valenciennes")))
        .isPresent());
    assertTrue(discovery.answer(parse(String.format(probe, "dn:NetworkVideoTransmitter",
        "onvif://www.onvif.org/Profile"))).isPresent());
    assertTrue(discovery.answer(parse(String.format(probe, "tds:Printer", ""))).isEmpty());
    assertTrue(discovery.answer(parse(String.format(probe, "", "onvif://www.onvif.org/location/Lille"))).isEmpty());
    assertTrue(discovery.answer(parse(String.format(probe, "", "onvif://www.onvif.org/Prof"))).isEmpty(),
        "scopes match by whole path segments");
    String reply = discovery.answer(parse(String.format(probe, "", ""))).orElseThrow();
    assertTrue(reply.contains("<a:RelatesTo>urn:uuid:42</a:RelatesTo>"), reply);
    assertTrue(reply.contains("/onvif/device_service</d:XAddrs>"), reply);
  }
}

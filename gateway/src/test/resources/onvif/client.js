// A VMS's view of a camgate gateway through the npm package `onvif` (agsh/onvif, pinned by ./camgate): optionally
// discover the device with WS-Discovery, log in (WS-Security UsernameToken), list the profiles, ask each profile's
// stream and snapshot URIs. Prints one JSON object; exit 0 when the login and listing worked, 2 otherwise.
// Usage: node client.js '{"hostname":"127.0.0.1","port":8080,"username":"u","password":"p",
//                         "discover":"lo","wsSecurity":true,"tokens":["cam-1"]}'
'use strict';
const { Cam, Discovery } = require('onvif');

const args = JSON.parse(process.argv[2]);
const out = {};

function finish(code) {
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(code);
}

function discover(next) {
  if (!args.discover) {
    return next(args.hostname, args.port, '/onvif/device_service');
  }
  // Binding to the interface's address makes the library's multicast probe leave by that interface.
  Discovery.on('error', (e) => { (out.discoveryErrors = out.discoveryErrors || []).push(String(e)); });
  const endpoints = new Map();
  Discovery.on('device', (cam, rinfo, xml) => {
    // The Cam keeps no endpoint reference: read it from the ProbeMatch as received.
    const m = /<[^>]*Address>([^<]+)<\//.exec(xml || '');
    endpoints.set(cam, { from: rinfo.address + ':' + rinfo.port, urn: m ? m[1] : null });
  });
  Discovery.probe({ device: args.discover, timeout: args.discoveryTimeoutMs || 3000 }, (err, cams) => {
    out.discovered = (cams || []).map((c) => Object.assign({
      hostname: c.hostname, port: Number(c.port), path: c.path, xaddrs: (c.xaddrs || []).map(String)
    }, endpoints.get(c)));
    if (out.discovered.length === 0) {
      out.error = 'no device answered the probe';
      return finish(2);
    }
    const found = out.discovered[0];
    next(found.hostname, found.port, found.path);
  });
}

function ask(cam, tokens, i, done) {
  if (i >= tokens.length) {
    return done();
  }
  const token = tokens[i];
  const entry = (out.uris[token] = {});
  cam.getStreamUri({ protocol: 'RTSP', profileToken: token }, (err, stream, xml) => {
    if (err) { entry.streamError = err.message; entry.streamFault = xml; } else { entry.stream = stream.uri; }
    cam.getSnapshotUri({ profileToken: token }, (err2, snapshot, xml2) => {
      if (err2) { entry.snapshotError = err2.message; entry.snapshotFault = xml2; } else { entry.snapshot = snapshot.uri; }
      ask(cam, tokens, i + 1, done);
    });
  });
}

discover((hostname, port, path) => {
  // useWSSecurity false: the library logs in with HTTP Digest when challenged (401) instead.
  const cam = new Cam({ hostname, port, path, username: args.username, password: args.password,
    timeout: 15000, autoconnect: false, useWSSecurity: args.wsSecurity !== false });
  cam.connect((err, _data, xml) => {
    if (err) {
      out.error = err.message;
      out.faultXml = xml;
      return finish(2);
    }
    out.deviceUri = 'http://' + hostname + ':' + port + path;
    out.profiles = (cam.profiles || []).map((p) => ({
      token: p.$.token,
      name: p.name,
      encoding: p.videoEncoderConfiguration && p.videoEncoderConfiguration.encoding,
      width: p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution.width,
      height: p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution.height
    }));
    const tokens = (args.tokens || out.profiles.map((p) => p.token));
    out.uris = {};
    cam.getDeviceInformation((e, info) => {
      out.deviceInformation = e ? { error: e.message } : info;
      ask(cam, tokens, 0, () => finish(0));
    });
  });
});

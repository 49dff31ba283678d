package camgate.gateway.http;

import camgate.audit.ConsistencyProof;
import camgate.audit.Hash;
import camgate.audit.InclusionProof;
import camgate.audit.SignedCheckpoint;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.access.Credential;
import camgate.gateway.cluster.ClusterAuditExport;
import camgate.gateway.access.HttpCaller;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * The auditor's HTTP side of the log: checkpoints, inclusion and consistency proofs, and bundle
 * export. Every call is decided by policy (action {@code audit_read}) and itself logged.
 */
public final class AuditRoutes {

  private final AccessGate gate;
  private final AuditTrail audit;
  private final Optional<ClusterAuditExport> cluster;

  public AuditRoutes(AccessGate gate, AuditTrail audit) {
    this(gate, audit, Optional.empty());
  }

  /** @param cluster the city's bundle, on a node of a cluster keeping the register: {@code /audit/export} serves it */
  public AuditRoutes(AccessGate gate, AuditTrail audit, Optional<ClusterAuditExport> cluster) {
    this.gate = gate;
    this.audit = audit;
    this.cluster = cluster;
  }

  public void mount(Router router) {
    router.get("/audit/public-key.pem").handler(rc -> audit.read(log -> log.publicKeyPem())
        .onSuccess(pem -> rc.response().putHeader("Content-Type", "application/x-pem-file").end(pem))
        .onFailure(rc::fail));
    router.get("/audit/checkpoints/latest").handler(rc -> admitted(rc, "checkpoint", () ->
        audit.read(log -> log.latestCheckpoint().map(AuditRoutes::checkpointJson)
            .orElse(new JsonObject().put("size", 0)))));
    router.get("/audit/entries/:seq/proof").handler(rc -> {
      long seq = longParam(rc, "seq", null);
      long size = longParam(rc, "size", -1L);
      if (seq < 0) {
        return;
      }
      admitted(rc, "inclusion_proof", () -> audit.read(log -> {
        long n = size > 0 ? size : log.latestCheckpoint().map(SignedCheckpoint::size).orElse(log.size());
        InclusionProof proof = log.inclusionProof(seq, n);
        String entry = log.entries(seq, 1).get(0).canonicalJson();
        return new JsonObject().put("index", proof.index()).put("tree_size", proof.treeSize())
            .put("entry", entry).put("path", hexes(proof.path()));
      }));
    });
    router.get("/audit/consistency").handler(rc -> {
      long from = longParam(rc, "from", null);
      long to = from < 0 ? -1 : longParam(rc, "to", null);
      if (from < 0 || to < 0) {
        return;
      }
      admitted(rc, "consistency_proof", () -> audit.read(log -> {
        ConsistencyProof proof = log.consistencyProof(from, to);
        return new JsonObject().put("from", proof.fromSize()).put("to", proof.toSize()).put("path", hexes(proof.path()));
      }));
    });
    router.get("/audit/export").handler(rc -> {
      if (cluster.isPresent() && !"node".equals(rc.request().getParam("scope"))) {
        exportCluster(rc, cluster.get());
        return;
      }
      long from = longParam(rc, "from", 0L);
      long to = from < 0 ? -1 : longParam(rc, "to", Long.MAX_VALUE);
      if (from < 0 || to < 0) {
        return;
      }
      JsonObject resource = new JsonObject().put("audit", "export");
      HttpCaller.admit(gate, rc, "audit_read", Target.resource(resource), new JsonObject().put("operation", "export"))
          .onSuccess(access -> export(rc, from, to));
    });
  }

  /**
   * Streams the bundle as a zip while it is read from the log, a page at a time: memory stays flat for a log of
   * any size, and a slow client slows the reading, not the gateway. Headers go first; a failure after them
   * resets the connection (the client must not take half a zip for a bundle).
   */
  private void export(RoutingContext rc, long from, long to) {
    Context context = rc.vertx().getOrCreateContext();
    rc.response().setChunked(true).putHeader("Content-Type", "application/zip")
        .putHeader("Content-Disposition", "attachment; filename=\"camgate-audit-bundle.zip\"");
    audit.read(log -> {
      long end = Math.min(to, log.size());
      if (from > end) {
        throw new IllegalArgumentException("from " + from + " is past the log's size " + end);
      }
      try (OutputStream out = new BufferedOutputStream(new ResponseOutputStream(context, rc.response()), 64 * 1024)) {
        log.exportZip(from, end, out);
      }
      return null;
    }).onSuccess(v -> rc.response().end()).onFailure(e -> {
      if (!rc.response().headWritten() && e instanceof IllegalArgumentException) {
        badOrFail(rc, e);
      } else {
        rc.request().connection().close();
      }
    });
  }

  /**
   * The city's bundle: decided and recorded here like any export, then each node's part is fetched with the
   * caller's API key, so that every node decides and records the access to its own log as well.
   */
  private void exportCluster(RoutingContext rc, ClusterAuditExport export) {
    if (rc.request().getParam("from") != null || rc.request().getParam("to") != null) {
      rc.response().setStatusCode(400).putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("error", "from and to select a range of one node's log: add scope=node, or drop them for the"
              + " cluster bundle").encode());
      return;
    }
    if (!(HttpCaller.credential(rc) instanceof Credential.ApiKey key)) {
      rc.response().setStatusCode(401).putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("error", "the cluster bundle is fetched from every node with the caller's API key: present one"
              + " (Authorization: Bearer KEY), a console session is not enough").encode());
      return;
    }
    JsonObject resource = new JsonObject().put("audit", "export");
    HttpCaller.admit(gate, rc, "audit_read", Target.resource(resource),
            new JsonObject().put("operation", "export"))
        .onSuccess(access -> {
          Context context = rc.vertx().getOrCreateContext();
          rc.response().setChunked(true).putHeader("Content-Type", "application/zip")
              .putHeader("Content-Disposition", "attachment; filename=\"camgate-cluster-bundle.zip\"");
          rc.vertx().<Void>executeBlocking(() -> {
            try (OutputStream out = new BufferedOutputStream(new ResponseOutputStream(context, rc.response()),
                64 * 1024)) {
              export.write(key.key(), out);
            }
            return null;
          }).onSuccess(v -> rc.response().end()).onFailure(e -> {
            if (rc.response().headWritten()) {
              rc.request().connection().close();  // half a zip must not pass for a bundle
            } else {
              rc.response().headers().remove("Content-Disposition");
              rc.response().setChunked(false).setStatusCode(502).putHeader("Content-Type", "application/json")
                  .end(new JsonObject().put("error", e.getMessage()).encode());
            }
          });
        });
  }

  private interface Query {
    Future<JsonObject> run();
  }

  private void admitted(RoutingContext rc, String operation, Query query) {
    HttpCaller.admit(gate, rc, "audit_read", Target.resource(new JsonObject().put("audit", operation)),
            new JsonObject().put("operation", operation))
        .onSuccess(access -> query.run()
            .onSuccess(json -> rc.response().putHeader("Content-Type", "application/json").end(json.encode()))
            .onFailure(e -> badOrFail(rc, e)));
  }

  private static void badOrFail(RoutingContext rc, Throwable e) {
    if (e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException) {
      rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", e.getMessage()).encode());
    } else {
      rc.fail(e);
    }
  }

  /** A non-negative integer parameter; answers 400 and returns -1 when it is missing or malformed. */
  private static long longParam(RoutingContext rc, String name, Long fallback) {
    String raw = rc.pathParam(name) != null ? rc.pathParam(name) : rc.request().getParam(name);
    if (raw == null && fallback != null) {
      return fallback;
    }
    try {
      long v = Long.parseLong(raw);
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "parameter '" + name + "' must be a non-negative integer, found '" + raw
            + "'").encode());
    return -1;
  }

  static JsonObject checkpointJson(SignedCheckpoint c) {
    return new JsonObject().put("size", c.size()).put("root", c.root().hex()).put("time", c.time().toString())
        .put("key_id", c.keyId()).put("note", c.note());
  }

  private static JsonArray hexes(List<Hash> hashes) {
    return new JsonArray(hashes.stream().map(Hash::hex).toList());
  }

}

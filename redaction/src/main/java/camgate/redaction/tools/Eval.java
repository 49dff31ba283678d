package camgate.redaction.tools;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

import camgate.redaction.Box;
import camgate.redaction.Detectors;
import camgate.redaction.FrameReport;
import camgate.redaction.ObjectKind;
import camgate.redaction.ProcessedFrame;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@code ./camgate eval --kind faces|plates --images DIR --labels CSV [--save DIR]}: runs the redaction pipeline
 * (that kind's detector only) on labelled images. A labelled box counts as redacted when at least 80 % of its
 * area is redacted; over-redaction is the redacted area outside every labelled box over the image area, averaged
 * over images. The last line is {@code recall=R over_redaction=O images=N boxes=B ms_per_image=M}. With
 * {@code --vs-deface} (faces), the peer anonymiser deface 1.5.0 is scored on the same images by the same rule.
 */
public final class Eval {
  private Eval() {}

  /** One labelled box. */
  record Label(int x, int y, int w, int h) {}

  /** The score of a run. */
  public record Result(int images, int boxes, int redacted, int[] byWidthTotal, int[] byWidthRedacted,
      double overRedaction, double msPerImage, int failSafeImages, List<String> missed) {
    public double recall() {
      return boxes == 0 ? 1 : (double) redacted / boxes;
    }
  }

  public static void main(String[] args) throws Exception {
    RedactionPipeline.useCallingThreadsForOpenCv();
    Map<String, String> opts = options(args);
    String kindName = opts.get("--kind");
    if (kindName == null || opts.get("--images") == null || opts.get("--labels") == null) {
      System.err.println("usage: ./camgate eval --kind faces|plates --images DIR --labels CSV [--margin F] [--save DIR] [--verbose]"
          + " [--vs-deface]");
      System.exit(2);
    }
    ObjectKind kind = switch (kindName) {
      case "faces" -> ObjectKind.FACE;
      case "plates" -> ObjectKind.PLATE;
      default -> throw new IllegalArgumentException("--kind must be faces or plates, got '" + kindName + "'");
    };
    Path save = opts.containsKey("--save") ? Path.of(opts.get("--save")) : null;
    try (Detectors detectors = Detectors.load(modelsDir(), EnumSet.of(kind))) {
      System.out.println("models: " + detectors.models());
      RedactionSettings settings = RedactionSettings.defaults().withMaxStaleFrames(0)
          .withDetectionDeadline(Duration.ofMinutes(2));
      if (opts.containsKey("--margin")) {
        settings = settings.withMargin(Double.parseDouble(opts.get("--margin")));
      }
      Path images = Path.of(opts.get("--images"));
      Path labels = Path.of(opts.get("--labels"));
      Result r = run(detectors, settings, kind, images, labels, save);
      print(r, opts.containsKey("--verbose"));
      if (opts.containsKey("--vs-deface")) {
        if (kind != ObjectKind.FACE) {
          throw new IllegalArgumentException("--vs-deface compares face redaction: deface does not redact plates");
        }
        System.out.println("deface 1.5.0 on the same images (its defaults: threshold 0.2, masks 1.3x the face;"
            + " solid boxes so its masks can be read back):");
        Result d = DefaceComparison.evalImages(images, imagesAndLabels(images, labels));
        print(d, opts.containsKey("--verbose"));
        System.out.printf(Locale.ROOT, "camgate recall %.4f vs deface %.4f; over-redaction %.4f vs %.4f%n",
            r.recall(), d.recall(), r.overRedaction, d.overRedaction);
      }
    }
  }

  private static void print(Result r, boolean verbose) {
    String[] names = {"<20 px", "20-40 px", ">40 px"};
    for (int i = 0; i < 3; i++) {
      System.out.printf(Locale.ROOT, "recall %-8s %.3f (%d/%d)%n", names[i],
          r.byWidthTotal[i] == 0 ? 1.0 : (double) r.byWidthRedacted[i] / r.byWidthTotal[i], r.byWidthRedacted[i],
          r.byWidthTotal[i]);
    }
    int geTotal = r.byWidthTotal[1] + r.byWidthTotal[2];
    int geRedacted = r.byWidthRedacted[1] + r.byWidthRedacted[2];
    System.out.printf(Locale.ROOT, "recall >=20 px %.3f (%d/%d)%n", geTotal == 0 ? 1.0 : (double) geRedacted / geTotal,
        geRedacted, geTotal);
    System.out.println("images masked whole by the fail-safe: " + r.failSafeImages);
    if (verbose) {
      r.missed.forEach(m -> System.out.println("missed " + m));
    }
    System.out.printf(Locale.ROOT, "recall=%.4f over_redaction=%.4f images=%d boxes=%d ms_per_image=%.1f%n",
        r.recall(), r.overRedaction, r.images, r.boxes, r.msPerImage);
  }

  /** Scores the pipeline on the images listed in {@code labels} (CSV {@code file,x,y,w,h}). BLOCKING. */
  public static Result run(Detectors detectors, RedactionSettings settings, ObjectKind kind, Path images, Path labels,
      Path save) throws IOException {
    Map<String, List<Label>> byFile = imagesAndLabels(images, labels);
    if (save != null) {
      Files.createDirectories(save);
    }
    Score score = new Score();
    int failSafe = 0;
    long nanos = 0;
    for (Map.Entry<String, List<Label>> e : byFile.entrySet()) {
      Path file = images.resolve(e.getKey());
      try (Mat img = imread(file.toString())) {
        if (img.empty()) {
          throw new IOException("cannot read image " + file + " listed in " + labels + "; check --images");
        }
        boolean[] mask;
        long t0 = System.nanoTime();
        try (RedactionPipeline pipeline = RedactionPipeline.create(detectors, settings);
            ProcessedFrame out = pipeline.process(img, false)) {
          nanos += System.nanoTime() - t0;
          mask = redactedPixels(out.report(), kind, img.cols(), img.rows());
          if (out.report().failSafe()) {
            failSafe++;
            System.out.println("fail-safe on " + e.getKey() + ": " + out.report().failSafeReason());
          }
          if (save != null) {
            imwrite(save.resolve(e.getKey().replaceAll("\\.[^.]+$", "") + ".png").toString(), out.redacted());
          }
        }
        score.add(e.getKey(), mask, img.cols(), img.rows(), e.getValue());
      }
    }
    return score.result(nanos, failSafe);
  }

  /**
   * The score of redaction masks against labels, image by image: a labelled box counts as redacted when at least
   * 80 % of its area is; over-redaction is the redacted area outside every labelled box over the image area.
   */
  static final class Score {
    private int images;
    private int boxes;
    private int redacted;
    private final int[] total = new int[3];
    private final int[] hit = new int[3];
    private double overSum;
    private final List<String> missed = new ArrayList<>();

    /** Scores one image's redacted pixels ({@code mask}, row-major, {@code w}x{@code h}) against its labels. */
    void add(String image, boolean[] mask, int w, int h, List<Label> labels) {
      images++;
      boolean[] inLabel = new boolean[mask.length];
      for (Label l : labels) {
        long covered = 0;
        long area = 0;
        for (int y = Math.max(0, l.y); y < Math.min(h, l.y + l.h); y++) {
          for (int x = Math.max(0, l.x); x < Math.min(w, l.x + l.w); x++) {
            area++;
            inLabel[y * w + x] = true;
            if (mask[y * w + x]) {
              covered++;
            }
          }
        }
        int bucket = l.w < 20 ? 0 : l.w <= 40 ? 1 : 2;
        boxes++;
        total[bucket]++;
        if (area > 0 && covered >= 0.8 * area) {
          redacted++;
          hit[bucket]++;
        } else {
          missed.add(image + " " + l + String.format(Locale.ROOT, " covered=%.2f",
              area == 0 ? 0 : (double) covered / area));
        }
      }
      long outside = 0;
      for (int i = 0; i < mask.length; i++) {
        if (mask[i] && !inLabel[i]) {
          outside++;
        }
      }
      overSum += (double) outside / mask.length;
    }

    Result result(long nanos, int failSafeImages) {
      return new Result(images, boxes, redacted, total, hit, images == 0 ? 0 : overSum / images,
          images == 0 ? 0 : nanos / 1e6 / images, failSafeImages, missed);
    }
  }

  /** The pixels the pipeline redacted for {@code kind}: its boxes, or the whole frame under the fail-safe. */
  static boolean[] redactedPixels(FrameReport report, ObjectKind kind, int w, int h) {
    boolean[] mask = new boolean[w * h];
    if (report.failSafe()) {
      java.util.Arrays.fill(mask, true);
      return mask;
    }
    List<Box> boxes = new ArrayList<>(kind == ObjectKind.FACE ? report.faces() : report.plates());
    // Motion regions are redacted too; on a still image (every frame detected) there are none.
    boxes.addAll(report.motion());
    for (Box b : boxes) {
      for (int y = Math.max(0, b.y()); y < Math.min(h, b.y() + b.h()); y++) {
        for (int x = Math.max(0, b.x()); x < Math.min(w, b.x() + b.w()); x++) {
          mask[y * w + x] = true;
        }
      }
    }
    return mask;
  }

  /**
   * Every image of the folder with its labels: those of the CSV, then the images it has no row for (they have no
   * box but still count for over-redaction).
   */
  static Map<String, List<Label>> imagesAndLabels(Path images, Path labels) throws IOException {
    Map<String, List<Label>> byFile = readLabels(labels);
    try (var listing = Files.list(images)) {
      listing.map(p -> p.getFileName().toString()).filter(n -> n.matches("(?i).*\\.(jpe?g|png|bmp)$")).sorted()
          .forEach(n -> byFile.putIfAbsent(n, new ArrayList<>()));
    }
    return byFile;
  }

  /** Labels by image file name, in file order. */
  static Map<String, List<Label>> readLabels(Path csv) throws IOException {
    Map<String, List<Label>> byFile = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty() || !lines.get(0).replace(" ", "").startsWith("file,x,y,w,h")) {
      throw new IOException(csv + ": expected a CSV with header file,x,y,w,h, found "
          + (lines.isEmpty() ? "an empty file" : "'" + lines.get(0) + "'"));
    }
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(",");
      if (f.length < 5) {
        throw new IOException(csv + " line " + (i + 1) + ": expected file,x,y,w,h, found '" + line + "'");
      }
      byFile.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new Label((int) Math.round(Double.parseDouble(f[1])),
          (int) Math.round(Double.parseDouble(f[2])), (int) Math.round(Double.parseDouble(f[3])),
          (int) Math.round(Double.parseDouble(f[4]))));
    }
    return byFile;
  }

  /** $CAMGATE_MODELS, else .camgate/models under the working directory. */
  static Path modelsDir() {
    String env = System.getenv("CAMGATE_MODELS");
    return env != null && !env.isBlank() ? Path.of(env) : Path.of(".camgate", "models");
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; options start with --");
      }
      boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
      opts.put(args[i], flag ? "true" : args[++i]);
    }
    return opts;
  }
}

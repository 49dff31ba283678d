package camgate.gateway.export;

import java.nio.file.Path;

/**
 * A clip written to disk as camgate's MJPEG (multipart/x-mixed-replace parts, readable by
 * {@code ffmpeg -f mpjpeg}).
 *
 * @param failSafeFrames frames that were fully masked because detection was not ready, failed or late
 * @param droppedFrames  frames skipped because the disk had not yet taken the earlier ones
 */
public record RecordedClip(Path file, long frames, long failSafeFrames, long droppedFrames, long bytes,
                           String sha256) {
}

package camgate.gateway.camera;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * What a camera's consumers are told about it: is it live, since when, and why not.
 *
 * @param framesPerSecond published frames per second over the last few seconds
 */
public record CameraStatus(State state, Instant since, String detail, long frames, long failSafeFrames,
                           double framesPerSecond) {

  /** Connecting (first time or after a drop), live and publishing, or down and waiting to retry. */
  public enum State { CONNECTING, LIVE, DOWN, STOPPED }

  public boolean live() {
    return state == State.LIVE;
  }

  public JsonObject toJson() {
    return new JsonObject().put("state", state.name().toLowerCase()).put("since", since.toString())
        .put("detail", detail).put("frames", frames).put("fail_safe_frames", failSafeFrames)
        .put("fps", Math.round(framesPerSecond * 10) / 10.0);
  }
}

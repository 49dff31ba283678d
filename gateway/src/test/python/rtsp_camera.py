#!/usr/bin/python3
"""A real RTSP camera on loopback for camgate's tests and demo.

Serves a media file (video clip or still image) as H.264 over RTSP with GStreamer's
gst-rtsp-server (Debian: gir1.2-gst-rtsp-server-1.0). The clip loops for as long as the
server runs. Run with Debian's /usr/bin/python3, the interpreter python3-gi belongs to.

usage: rtsp_camera.py --port N --media FILE [--mount /cam] [--fps 25]
Prints "READY rtsp://127.0.0.1:N/cam" on stdout once it accepts connections.
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def launch_line(media: str, fps: int) -> str:
    still = media.lower().endswith((".png", ".jpg", ".jpeg"))
    if still:
        # A still image becomes a constant-rate video: the camera sees a static scene.
        source = (f"filesrc location={media} ! decodebin ! imagefreeze ! videoconvert ! "
                  f"videorate ! video/x-raw,framerate={fps}/1")
    else:
        source = f"filesrc location={media} ! decodebin ! videoconvert ! videorate ! video/x-raw,framerate={fps}/1"
    return (f"( {source} ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} "
            f"! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )")


class LoopingFactory(GstRtspServer.RTSPMediaFactory):
    """Shared media that seeks back to the start at end of stream, like a camera that never stops."""

    def __init__(self, line: str):
        super().__init__()
        self.line = line
        self.set_shared(True)

    def do_create_element(self, url):
        return Gst.parse_launch(self.line)

    def do_configure(self, media):
        element = media.get_element()
        bus = element.get_bus()

        def on_eos(_bus, _msg):
            element.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, 0)

        bus.add_signal_watch()
        bus.connect("message::eos", on_eos)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--media", required=True)
    parser.add_argument("--mount", default="/cam")
    parser.add_argument("--fps", type=int, default=25)
    args = parser.parse_args()
    if not os.path.isfile(args.media):
        print(f"media file not found: {args.media}", file=sys.stderr)
        return 2
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.mount, LoopingFactory(launch_line(args.media, args.fps)))
    if server.attach(None) == 0:
        print(f"could not bind RTSP server to 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    print(f"READY rtsp://127.0.0.1:{args.port}{args.mount}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

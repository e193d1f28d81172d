#!/bin/sh
# One ffmpeg pulls pistream's live stream once and writes HLS (H.264 in 2-second MPEG-TS segments)
# that nginx, or any CDN, serves to as many viewers as it likes: pistream counts one viewer.
# docs/SCALING.md explains it; tests/scaling.rs runs this very file.
#
#   hls.sh URL FOLDER [FPS]
#   hls.sh http://127.0.0.1:8080 /var/www/hls/cam1 15
#
# URL is pistream's address (with a --base-path if it has one; with `user:password@` in it if
# pistream requires a login). FPS (default 15) caps what pistream sends this one viewer
# (/stream?fps=N); the segments are encoded at that rate, a key frame every 2 seconds, so every
# segment starts with one and a player can join at any segment.
set -eu
url=${1:?"usage: hls.sh URL FOLDER [FPS]"}
out=${2:?"usage: hls.sh URL FOLDER [FPS]"}
fps=${3:-15}
mkdir -p "$out"
exec ffmpeg -hide_banner -loglevel warning -nostdin \
    -reconnect 1 -reconnect_streamed 1 -reconnect_on_network_error 1 -reconnect_delay_max 5 \
    -use_wallclock_as_timestamps 1 -f mpjpeg -i "$url/stream?fps=$fps" \
    -an -vf "fps=$fps,format=yuv420p" \
    -c:v libx264 -preset veryfast -tune zerolatency -g $((fps * 2)) -keyint_min $((fps * 2)) -sc_threshold 0 \
    -f hls -hls_time 2 -hls_list_size 6 \
    -hls_flags delete_segments+independent_segments+temp_file \
    -hls_segment_filename "$out/segment-%06d.ts" "$out/live.m3u8"

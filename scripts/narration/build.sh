#!/bin/sh
# Synthesise the shipped lesson narrations from their scripts (the .txt files beside this one).
#
# Tool: eSpeak NG 1.51 (Debian package espeak-ng), Vietnamese voice "vi", then opusenc
# (Debian package opus-tools) at 16 kbit/s mono. eSpeak NG is GPL-3; its *output* (the
# synthesised speech) is not covered by the GPL, so the .opus files ship with the course
# content under the content's own terms. A recorded human voice can replace any file later:
# keep the name, or change the lesson's `audio:` key.
#
#   apt-get install espeak-ng opus-tools && sh scripts/narration/build.sh
set -eu
here=$(dirname "$0")
root=$(cd "$here/../.." && pwd)
for script in "$here"/*.txt; do
    name=$(basename "$script" .txt)          # <course>--<file stem>
    course=${name%%--*}
    stem=${name#*--}
    out="$root/courses/$course/audio/$stem.opus"
    mkdir -p "$(dirname "$out")"
    wav=$(mktemp --suffix=.wav)
    espeak-ng -v vi -s 140 -f "$script" -w "$wav"
    opusenc --quiet --bitrate 16 --downmix-mono "$wav" "$out"
    rm -f "$wav"
    echo "$out"
done

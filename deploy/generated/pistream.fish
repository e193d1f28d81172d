# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pistream_global_optspecs
    string join \n bind= camera= device= source= replay-timing= width= height= fps= quality= pic= content= theme= idle-timeout= watch= unhealthy-after= metrics-public base-path= auth= auth-file= public-view allow-origin= trust-proxy max-viewers= max-connections-per-client= max-head-bytes= head-timeout= max-body-bytes= body-timeout= keep-alive-timeout= stall-timeout= max-variants= hang-timeout= encode-workers= controls-file= yuv-range= rotate= flip= encoder= timelapse= timelapse-keep= min-free-space= h/help V/version
end

function __fish_pistream_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pistream_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pistream_using_subcommand
    set -l cmd (__fish_pistream_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pistream -n "__fish_pistream_needs_command" -l bind -d 'Address to listen on. Use 0.0.0.0:8080 to let other machines in' -r
complete -c pistream -n "__fish_pistream_needs_command" -l camera -d 'Camera backend (see `pistream cameras`)' -r
complete -c pistream -n "__fish_pistream_needs_command" -l device -d 'Device to open: a V4L2 path such as /dev/video0 (also /dev/v4l/by-id/...), a camera index on Windows' -r
complete -c pistream -n "__fish_pistream_needs_command" -l source -d 'What the replay camera plays: a folder of JPEGs or a recorded .mjpeg file. For `--camera exec`, the command that writes MJPEG to its stdout (split like a shell would; no shell runs it)' -r -F
complete -c pistream -n "__fish_pistream_needs_command" -l replay-timing -d 'How `replay` paces a recorded .mjpeg file: `fps` (evenly at --fps) or `recorded` (at the recording\'s own X-Timestamp intervals)' -r
complete -c pistream -n "__fish_pistream_needs_command" -l width -d 'Frame width asked of the camera' -r
complete -c pistream -n "__fish_pistream_needs_command" -l height -d 'Frame height asked of the camera' -r
complete -c pistream -n "__fish_pistream_needs_command" -l fps -d 'Frames per second asked of the camera' -r
complete -c pistream -n "__fish_pistream_needs_command" -l quality -d 'JPEG quality (1-100) of the frames pistream encodes' -r
complete -c pistream -n "__fish_pistream_needs_command" -l pic -d 'Folder photos are saved in and the gallery shows' -r -F
complete -c pistream -n "__fish_pistream_needs_command" -l content -d 'Folder of markdown pages' -r -F
complete -c pistream -n "__fish_pistream_needs_command" -l theme -d 'Theme folder overriding the built-in theme file by file' -r -F
complete -c pistream -n "__fish_pistream_needs_command" -l idle-timeout -d 'Seconds the camera stays open after the last viewer leaves' -r
complete -c pistream -n "__fish_pistream_needs_command" -l watch -d 'How file changes are noticed' -r -f -a "native\t'Native file system events (inotify on Linux)'
poll\t'Poll twice a second: for file systems that send no events (some network and FUSE mounts)'
off\t'Do not watch: the site is read once at start'"
complete -c pistream -n "__fish_pistream_needs_command" -l unhealthy-after -d 'Seconds the camera may keep failing (or capture publish nothing) before /healthz answers 503; capture that publishes nothing that long also stops feeding the systemd watchdog' -r
complete -c pistream -n "__fish_pistream_needs_command" -l base-path -d 'Serve under this path prefix, e.g. /cam1 for one of several cameras behind one proxy: every link, redirect and event stream carries it, and requests may come with it (it is taken off) or without it (a proxy that strips it). docs/SCALING.md has the nginx configuration' -r
complete -c pistream -n "__fish_pistream_needs_command" -l auth -d 'Require HTTP Basic login as USER:PASSWORD on every route. The password shows in `ps` and shell history: prefer --auth-file' -r
complete -c pistream -n "__fish_pistream_needs_command" -l auth-file -d 'Require HTTP Basic login against a file of `user:hash` lines made by `pistream passwd`' -r -F
complete -c pistream -n "__fish_pistream_needs_command" -l allow-origin -d 'Another site allowed to call this server from a browser (CORS), e.g. `https://dash.example`' -r
complete -c pistream -n "__fish_pistream_needs_command" -l max-viewers -d 'Most live video viewers at once; past it 503 with Retry-After' -r
complete -c pistream -n "__fish_pistream_needs_command" -l max-connections-per-client -d 'Most open connections from one client address (0: no limit); past it 429. Behind a proxy on the same machine every client shares the proxy\'s address: raise it or use 0' -r
complete -c pistream -n "__fish_pistream_needs_command" -l max-head-bytes -d 'Largest request head in bytes; more gets 431' -r
complete -c pistream -n "__fish_pistream_needs_command" -l head-timeout -d 'Seconds a client has to send a whole request head once it started; then 408' -r
complete -c pistream -n "__fish_pistream_needs_command" -l max-body-bytes -d 'Largest request body in bytes; more gets 413' -r
complete -c pistream -n "__fish_pistream_needs_command" -l body-timeout -d 'Seconds a client has to send a whole request body; then 408' -r
complete -c pistream -n "__fish_pistream_needs_command" -l keep-alive-timeout -d 'Seconds an idle keep-alive connection stays open waiting for the next request' -r
complete -c pistream -n "__fish_pistream_needs_command" -l stall-timeout -d 'Seconds a client\'s socket may accept no bytes at all before the connection is dropped (a viewer that stopped reading)' -r
complete -c pistream -n "__fish_pistream_needs_command" -l max-variants -d 'Most stream variants (`/stream?width=&quality=`) encoded at once; past it a viewer gets the nearest live variant. Each costs an encoder thread (a 320-wide variant of 640x480: ~45% of a core)' -r
complete -c pistream -n "__fish_pistream_needs_command" -l hang-timeout -d 'Seconds one camera call may block before the camera counts as hung and is reopened' -r
complete -c pistream -n "__fish_pistream_needs_command" -l encode-workers -d 'Most threads encoding the camera\'s raw frames at once [default: one per core, at most 8]. Extra ones start only while an encode takes longer than the frame interval (1080p from a raw camera); a JPEG camera\'s frames are never re-encoded' -r
complete -c pistream -n "__fish_pistream_needs_command" -l controls-file -d 'File the camera controls set from the browser are saved in, and applied from whenever the camera opens [default: pistream-controls.json next to the --pic folder]' -r -F
complete -c pistream -n "__fish_pistream_needs_command" -l yuv-range -d 'Range of a YUYV camera\'s samples: `limited` (luma 16-235, chroma 16-240: most USB webcams), `full` (0-255), or `auto`: what the camera reports, else limited' -r -f -a "auto\t'What the camera reports, else limited'
limited\t'Luma 16-235, chroma 16-240 (BT.601 "studio swing")'
full\t'Every sample 0-255 (as JPEG stores it)'"
complete -c pistream -n "__fish_pistream_needs_command" -l rotate -d 'Turn the picture clockwise by this many degrees (a camera mounted sideways or upside down); 90 and 270 swap width and height. Applied once per frame, for every viewer and photo' -r -f -a "0\t''
90\t''
180\t''
270\t''"
complete -c pistream -n "__fish_pistream_needs_command" -l flip -d 'Mirror the picture after rotating: `h` left-right, `v` top-bottom, `hv` both (the same as another 180 degrees)' -r -f -a "h\t'Left-right'
v\t'Top-bottom'
hv\t'Both'"
complete -c pistream -n "__fish_pistream_needs_command" -l encoder -d 'The JPEG library that encodes raw frames, turns MJPEG ones and makes stream variants: `rust` (pure Rust, in every build), `turbo` (libjpeg-turbo: only in a build with `--features turbojpeg`), or `auto`: turbo when the build has it, else rust' -r -f -a "auto\t''
rust\t''
turbo\t''"
complete -c pistream -n "__fish_pistream_needs_command" -l timelapse -d 'Take a photo this often into timelapse/YYYY-MM-DD/ in --pic (local date): `2s`, `30s`, `5m`, `1h`, `1h 30m`, at least 1s; `off` takes none. The live page can switch it too: that choice is saved (pistream-timelapse.json next to the --pic folder) and wins over this flag at the next start, until this flag\'s value changes' -r
complete -c pistream -n "__fish_pistream_needs_command" -l timelapse-keep -d 'Delete timelapse days older than this many days (today counts as one); 0 keeps them all. Photos taken by hand are never deleted' -r
complete -c pistream -n "__fish_pistream_needs_command" -l min-free-space -d 'Free space the timelapse leaves on the photo folder\'s disk (`500MB`, `2GiB`, `0` for no guard): below it the oldest timelapse days are deleted (never today\'s, never a photo taken by hand), and when that is not enough the timelapse pauses and says why on the live page' -r
complete -c pistream -n "__fish_pistream_needs_command" -l metrics-public -d 'With auth: /metrics and /healthz stay open (GET, HEAD) for a scraper or uptime checker that cannot log in; every other route still needs the password'
complete -c pistream -n "__fish_pistream_needs_command" -l public-view -d 'With auth: anyone may watch and browse (GET, HEAD); taking and deleting photos (every other method) still needs the password'
complete -c pistream -n "__fish_pistream_needs_command" -l trust-proxy -d 'Trust a reverse proxy\'s Forwarded / X-Forwarded-Host / -Proto / -For headers: for the same-origin check and for the client address that login limits count. Only behind a proxy that sets them (anyone else could forge them)'
complete -c pistream -n "__fish_pistream_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pistream -n "__fish_pistream_needs_command" -s V -l version -d 'Print version'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "cameras" -d 'List the compiled-in camera backends and the devices each can open'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "passwd" -d 'Hash a password for --auth-file: reads it from the terminal (asked twice, not echoed) or from one line of standard input, and prints `USER:HASH` (argon2id) to append to the file'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "theme" -d 'Theme tools'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "completions" -d 'Print the completion script for SHELL, e.g. `pistream completions bash > /etc/bash_completion.d/pistream`'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "man" -d 'Print the man page (roff): `pistream man | man -l -`'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "env-file" -d 'Print a settings file for /etc/default/pistream: every flag as its PISTREAM_* variable, with its help, commented out at its default (the package\'s own settings set)'
complete -c pistream -n "__fish_pistream_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pistream -n "__fish_pistream_using_subcommand cameras" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand passwd" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand theme; and not __fish_seen_subcommand_from init help" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand theme; and not __fish_seen_subcommand_from init help" -f -a "init" -d 'Write the built-in default theme to DIR as a starting point for your own'
complete -c pistream -n "__fish_pistream_using_subcommand theme; and not __fish_seen_subcommand_from init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pistream -n "__fish_pistream_using_subcommand theme; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand theme; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write the built-in default theme to DIR as a starting point for your own'
complete -c pistream -n "__fish_pistream_using_subcommand theme; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pistream -n "__fish_pistream_using_subcommand completions" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand man" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand env-file" -s h -l help -d 'Print help'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "cameras" -d 'List the compiled-in camera backends and the devices each can open'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "passwd" -d 'Hash a password for --auth-file: reads it from the terminal (asked twice, not echoed) or from one line of standard input, and prints `USER:HASH` (argon2id) to append to the file'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "theme" -d 'Theme tools'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "completions" -d 'Print the completion script for SHELL, e.g. `pistream completions bash > /etc/bash_completion.d/pistream`'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "man" -d 'Print the man page (roff): `pistream man | man -l -`'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "env-file" -d 'Print a settings file for /etc/default/pistream: every flag as its PISTREAM_* variable, with its help, commented out at its default (the package\'s own settings set)'
complete -c pistream -n "__fish_pistream_using_subcommand help; and not __fish_seen_subcommand_from cameras passwd theme completions man env-file help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pistream -n "__fish_pistream_using_subcommand help; and __fish_seen_subcommand_from theme" -f -a "init" -d 'Write the built-in default theme to DIR as a starting point for your own'

# fish completion for rxws-connect [OPTIONS] URL

# VALUE DESCRIPTION ...: candidates with their descriptions.
function __rxws_values
    while set -q argv[2]
        printf '%s\t%s\n' $argv[1] $argv[2]
        set -e argv[1..2]
    end
end

# Whether the command line has no URL yet.
function __rxws_no_url
    not string match -qr -- '^wss?://' (commandline -opc)
end

# The URL; PATHs are free text; no file names.
complete -c rxws-connect -f
complete -c rxws-connect -n __rxws_no_url -a 'ws://' -d 'ws://HOST[:PORT][/PATH][?QUERY]'
complete -c rxws-connect -n __rxws_no_url -a 'wss://' -d 'wss://HOST[:PORT][/PATH][?QUERY], over TLS'

# Records
complete -c rxws-connect -l string -d 'frames are text; records must be UTF-8 (default)'
complete -c rxws-connect -l bytes -d 'frames are binary; records are any bytes'
complete -c rxws-connect -l object -d 'frames are CBOR; records are JSON (line, nul) or CBOR'
complete -c rxws-connect -l type -x -a '(__rxws_values string "text frames, UTF-8 records" bytes "binary frames, any bytes" object "binary frames, one CBOR item each")' -d 'string, bytes or object'
complete -c rxws-connect -s f -l format -x -a '(__rxws_values line "one record a line" nul "records end in NUL" lp "4-byte big-endian length, then the bytes" raw "no boundaries: each read is a frame" json "one JSON envelope a line: tag, type, data" cbor "a CBOR sequence of envelopes")' -d 'framing on stdin and stdout'
complete -c rxws-connect -s 0 -l null -d 'same as --format nul'
complete -c rxws-connect -l chunk-size -x -d 'largest frame under --format raw (4096)'
complete -c rxws-connect -l max-size -x -d 'largest message from a peer or stdin (16M)'
complete -c rxws-connect -l strict -d 'exit 65 on the first bad record instead of skipping it'

# Flow
complete -c rxws-connect -l queue -x -d 'messages a connection may have waiting (1024)'
complete -c rxws-connect -l overflow -x -a '(__rxws_values block "stop reading stdin" drop-oldest "drop the oldest queued message" drop-newest "drop the new message" close "close the connection")' -d 'what a full queue does'
complete -c rxws-connect -l drain-timeout -x -d 'at end of input, exit 75 if not delivered within SECS (10)'
complete -c rxws-connect -l ping-interval -x -d 'send a ping after SECS of silence (30; 0 turns keepalive off)'
complete -c rxws-connect -l ping-timeout -x -d 'close a peer that has not answered a ping in SECS (30)'
complete -c rxws-connect -s k -l keep-open -d 'keep running after the end of stdin'
complete -c rxws-connect -s r -l recv-only -d 'never read stdin'
complete -c rxws-connect -s s -l send-only -d 'discard what peers send'
complete -c rxws-connect -s c -l count -x -d 'exit 0 after writing N records to stdout'
complete -c rxws-connect -s W -l timeout -x -d 'exit 75 if still running after SECS'

# Connection
complete -c rxws-connect -l retry-delay -x -d 'first reconnect within SECS (0.5), then doubling'
complete -c rxws-connect -l retry-max -x -d 'longest wait between reconnects (30)'
complete -c rxws-connect -l retries -x -d 'give up (exit 69) after N failed retries in a row'
complete -c rxws-connect -l unix -r -F -d 'connect through a unix socket; the URL gives path and Host'
complete -c rxws-connect -l oneshot -d 'end when a connection ends: exit 0 on 1000, else 69'
complete -c rxws-connect -l connect-timeout -x -d 'limit for one attempt, TCP and handshake (10)'
complete -c rxws-connect -l header -x -d "add this header to the handshake (repeatable): 'K: V'"
complete -c rxws-connect -l auth-token-file -r -F -d 'send Authorization: Bearer with the token in FILE'
complete -c rxws-connect -l cacert -r -F -d 'trust the CA certificates in FILE (PEM) for wss://'
complete -c rxws-connect -l insecure -d 'wss:// without checking the certificate or host name'
complete -c rxws-connect -l compress -d 'ask the server for permessage-deflate'
complete -c rxws-connect -l protocol -x -d 'offer this subprotocol (repeatable, in order of preference)'
complete -c rxws-connect -l proxy -x -d 'HTTP proxy (CONNECT) to go through (empty for none)'
complete -c rxws-connect -l noproxy -x -d 'hosts to reach without the proxy (* for all)'

# Logs
complete -c rxws-connect -s v -l verbose -d 'log connections and retries; twice for debug'
complete -c rxws-connect -s q -l quiet -d 'log errors only'
complete -c rxws-connect -l log-format -x -a '(__rxws_values text "plain lines" json "OpenTelemetry log records")' -d 'log format'
complete -c rxws-connect -l name -x -d 'source name in logs'

# Other
complete -c rxws-connect -s h -l help -d 'show the help and exit'
complete -c rxws-connect -l version -d 'show the version and exit'
complete -c rxws-connect -l no-ack -d 'no acknowledgements between rxws tools (faster, nothing resent)'
complete -c rxws-connect -l session -x -d 'resume this session after a restart (at least once)'

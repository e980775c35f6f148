# fish completion for rxws-serve [OPTIONS] [PATH]

# VALUE DESCRIPTION ...: candidates with their descriptions.
function __rxws_values
    while set -q argv[2]
        printf '%s\t%s\n' $argv[1] $argv[2]
        set -e argv[1..2]
    end
end

# --type [GLOB=]TYPE: complete the TYPE after the last '='.
function __rxws_type
    set -l tok (commandline -ct | string replace -r -- '^--type=' '')
    set -l head ''
    if string match -q -- '*=*' $tok
        set head (string replace -r -- '=[^=]*$' '=' $tok)
    end
    __rxws_values $head'string' 'text frames, UTF-8 records' $head'bytes' 'binary frames, any bytes' \
        $head'object' 'binary frames, one CBOR item each'
end

# PATH is free text; no file names.
complete -c rxws-serve -f

# Records
complete -c rxws-serve -l string -d 'frames are text; records must be UTF-8 (default)'
complete -c rxws-serve -l bytes -d 'frames are binary; records are any bytes'
complete -c rxws-serve -l object -d 'frames are CBOR; records are JSON (line, nul) or CBOR'
complete -c rxws-serve -l type -x -a '(__rxws_type)' -d 'string, bytes or object; GLOB=TYPE sets it per path'
complete -c rxws-serve -s f -l format -x -a '(__rxws_values line "one record a line" nul "records end in NUL" lp "4-byte big-endian length, then the bytes" raw "no boundaries: each read is a frame" json "one JSON envelope a line: tag, type, data" cbor "a CBOR sequence of envelopes")' -d 'framing on stdin and stdout'
complete -c rxws-serve -s 0 -l null -d 'same as --format nul'
complete -c rxws-serve -l chunk-size -x -d 'largest frame under --format raw (4096)'
complete -c rxws-serve -l max-size -x -d 'largest message from a peer or stdin (16M)'
complete -c rxws-serve -l strict -d 'exit 65 on the first bad record instead of skipping it'

# Flow
complete -c rxws-serve -l queue -x -d 'messages a connection may have waiting (1024)'
complete -c rxws-serve -l overflow -x -a '(__rxws_values block "stop reading stdin" drop-oldest "drop the oldest queued message" drop-newest "drop the new message" close "close the connection")' -d 'what a full queue does'
complete -c rxws-serve -l drain-timeout -x -d 'at end of input, exit 75 if not delivered within SECS (10)'
complete -c rxws-serve -l ping-interval -x -d 'send a ping after SECS of silence (30; 0 turns keepalive off)'
complete -c rxws-serve -l ping-timeout -x -d 'close a peer that has not answered a ping in SECS (30)'
complete -c rxws-serve -s k -l keep-open -d 'keep running after the end of stdin'
complete -c rxws-serve -s r -l recv-only -d 'never read stdin'
complete -c rxws-serve -s s -l send-only -d 'discard what peers send'
complete -c rxws-serve -s c -l count -x -d 'exit 0 after writing N records to stdout'
complete -c rxws-serve -s W -l timeout -x -d 'exit 75 if still running after SECS'

# Server
complete -c rxws-serve -l host -x -a '(__fish_print_hostnames) 127.0.0.1 0.0.0.0 ::1 ::' -d 'address to listen on (127.0.0.1)'
complete -c rxws-serve -s p -l port -x -d 'port to listen on (8888; 0 picks a free one)'
complete -c rxws-serve -l unix -r -F -d 'listen on a unix socket instead of TCP'
complete -c rxws-serve -l allow-path -x -d 'accept only paths matching GLOB (repeatable)'
complete -c rxws-serve -l max-clients -x -d 'refuse clients beyond N (HTTP 503)'
complete -c rxws-serve -l wait-clients -x -d 'do not read stdin until N clients are connected'
complete -c rxws-serve -l handshake-timeout -x -d 'drop a peer whose handshake is not done in SECS (10)'
complete -c rxws-serve -l cert -r -F -d 'TLS certificate (PEM): serve wss://, with --key'
complete -c rxws-serve -l key -r -F -d 'TLS private key (PEM) of --cert'
complete -c rxws-serve -l auth-token-file -r -F -d 'require this token: Authorization: Bearer, or ?token='
complete -c rxws-serve -l origin -x -d 'allow browsers from ORIGIN only (repeatable; others get 403)'
complete -c rxws-serve -l static -x -a '(__fish_complete_directories)' -d 'serve the files of DIR over HTTP on the same port'
complete -c rxws-serve -l metrics -d 'answer GET /metrics (Prometheus) and /healthz on the same port'
complete -c rxws-serve -l compress -d 'offer permessage-deflate to clients'
complete -c rxws-serve -l protocol -x -d 'accept this subprotocol (repeatable; an offer of none gets 400)'

# Broker
complete -c rxws-serve -l broker -x -a 'redis://127.0.0.1:6379 redis+unix:///run/redis/redis-server.sock' -d 'serve with other members through Redis'
complete -c rxws-serve -l broker-prefix -x -d "the streams' keys: PREFIX:out, PREFIX:in (rxws)"
complete -c rxws-serve -l broker-maxlen -x -d 'keep about N entries in each stream (1000000)'
complete -c rxws-serve -l broker-inbound -d 'also append what clients send to PREFIX:in'
complete -c rxws-serve -l collect -d "no listener, no stdin: write every member's PREFIX:in to stdout"
complete -c rxws-serve -l retry-delay -x -d 'first reconnect to Redis after SECS (0.5), then doubling'
complete -c rxws-serve -l retry-max -x -d 'longest wait between reconnects to Redis (30)'
complete -c rxws-serve -l retries -x -d 'give up on Redis (exit 69) after N failed retries in a row'

# Logs
complete -c rxws-serve -s v -l verbose -d 'log connections and retries; twice for debug'
complete -c rxws-serve -s q -l quiet -d 'log errors only'
complete -c rxws-serve -l log-format -x -a '(__rxws_values text "plain lines" json "OpenTelemetry log records")' -d 'log format'
complete -c rxws-serve -l name -x -d 'source name in logs'

# Other
complete -c rxws-serve -s h -l help -d 'show the help and exit'
complete -c rxws-serve -l version -d 'show the version and exit'
complete -c rxws-serve -l no-ack -d 'no acknowledgements between rxws tools (faster, nothing resent)'
complete -c rxws-serve -l resume-timeout -x -d 'keep a gone client''s records this long for its return (30)'

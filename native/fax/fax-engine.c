/*
 * switchboard-fax: one T.30 fax terminal (spandsp) over 8 kHz 16-bit audio on stdio.
 *
 *   switchboard-fax receive OUT.tif [--ident ID] [--no-ecm] [--t38] [--verbose]
 *   switchboard-fax send    IN.tif  [--ident ID] [--no-ecm] [--t38] [--verbose]
 *
 * The frame protocol (docs/fax.md): stdin carries what the far end sent, as frames of 160
 * signed 16-bit little-endian samples (20 ms); for every whole frame read, exactly one frame
 * of what to send back is written to stdout. The caller keeps the time; this program only
 * turns audio in into audio out. Events go to file descriptor 3 (stderr when 3 is not open)
 * as one JSON object a line: "page" after each page, "end" once, at phase E. End of input
 * ends the session: T.30 is terminated (phase E is reported if it had not come), the TIFF is
 * closed and the program exits 0. Diagnostics (--verbose: spandsp's own log) go to stderr.
 *
 * With --t38 the terminal is spandsp's T.38 one and stdio carries records instead of audio:
 * a kind byte, a 16-bit little-endian sequence number and length, then that many bytes. In,
 * 't' is a 20 ms tick of the caller's clock and 'p' an IFP packet from the far end (its UDPTL
 * sequence number, so spandsp sees what was lost); out, every tick is answered by the IFP
 * packets to send ('p') and then one 't'. UDPTL framing is the caller's (docs/fax.md).
 *
 * It is a separate process so that a fault in C code ends one fax, never the server.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>
#include <spandsp.h>

#define FRAME 160
/* The largest IFP packet taken in; T.38's own limit is far below (T38FaxMaxDatagram). */
#define MAX_IFP 4096
#define RECORD_HEAD 5

static FILE *events;
static int sending;
static int ended;

/* Writes a JSON string value; station ids are printable ASCII by T.30, but nothing is trusted. */
static void json_string(const char *s)
{
    fputc('"', events);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\')
            fprintf(events, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(events, "\\u%04x", c);
        else
            fputc(c, events);
    }
    fputc('"', events);
}

static void report(t30_state_t *t30, const char *event, int code)
{
    t30_stats_t stats;
    t30_get_transfer_statistics(t30, &stats);
    fprintf(events, "{\"event\":\"%s\",\"pages\":%d,\"remoteId\":", event,
            sending ? stats.pages_tx : stats.pages_rx);
    json_string(t30_get_rx_ident(t30));
    fprintf(events, ",\"bitRate\":%d,\"ecm\":%s,\"badRows\":%d", stats.bit_rate,
            stats.error_correcting_mode ? "true" : "false", stats.bad_rows);
    if (code >= 0) {
        fprintf(events, ",\"ok\":%s,\"code\":%d,\"status\":", code == T30_ERR_OK ? "true" : "false",
                code);
        json_string(t30_completion_code_to_str(code));
    }
    fputs("}\n", events);
    fflush(events);
}

static int phase_d(t30_state_t *t30, void *user_data, int result)
{
    (void) user_data;
    (void) result;
    report(t30, "page", -1);
    return T30_ERR_OK;
}

static void phase_e(t30_state_t *t30, void *user_data, int completion_code)
{
    (void) user_data;
    if (ended)
        return;
    ended = 1;
    report(t30, "end", completion_code);
}

static void usage(void)
{
    fputs("usage: switchboard-fax receive|send FILE.tif [--ident ID] [--no-ecm] [--t38] "
          "[--verbose]\n",
          stderr);
    exit(2);
}

static int write_all(const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

static int write_record(char kind, unsigned seq, const uint8_t *data, size_t len)
{
    uint8_t head[RECORD_HEAD] = { (uint8_t) kind, seq & 0xff, (seq >> 8) & 0xff, len & 0xff,
                                  (len >> 8) & 0xff };
    if (write_all(head, sizeof(head)) < 0)
        return -1;
    return len ? write_all(data, len) : 0;
}

static int output_failed;

/* spandsp has an IFP packet to send: out to the caller, who puts it in UDPTL. */
static int t38_tx(t38_core_state_t *core, void *user_data, const uint8_t *buf, int len, int count)
{
    (void) core;
    (void) user_data;
    (void) count; /* UDPTL redundancy stands in for repeats. */
    if (len < 0 || len > MAX_IFP || write_record('p', 0, buf, (size_t) len) < 0)
        output_failed = 1;
    return 0;
}

/* Reads exactly len bytes; 0 at the end of input (or a short last record). */
static int read_exact(void *data, size_t len)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = read(0, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        p += n;
        len -= (size_t) n;
    }
    return 1;
}

/* The T.38 session: records in, records out, until the end of input or a record out of bounds. */
static void run_t38(t38_terminal_state_t *t38)
{
    t38_core_state_t *core = t38_terminal_get_t38_core_state(t38);
    static uint8_t body[MAX_IFP];
    uint8_t head[RECORD_HEAD];
    while (!output_failed && read_exact(head, sizeof(head))) {
        unsigned seq = head[1] | (head[2] << 8);
        size_t len = head[3] | (head[4] << 8);
        if (len > MAX_IFP) {
            fputs("switchboard-fax: an input record is too long\n", stderr);
            break;
        }
        if (len && !read_exact(body, len))
            break;
        if (head[0] == 'p') {
            /* A malformed packet is spandsp's to refuse; it returns -1 and carries on. */
            t38_core_rx_ifp_packet(core, body, (int) len, (uint16_t) seq);
        } else if (head[0] == 't') {
            t38_terminal_send_timeout(t38, FRAME);
            if (write_record('t', 0, NULL, 0) < 0)
                break;
        } else {
            fputs("switchboard-fax: an input record of an unknown kind\n", stderr);
            break;
        }
    }
}

static void run_audio(fax_state_t *fax)
{
    int16_t in[FRAME], out[FRAME];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(0, (char *) in + have, sizeof(in) - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t) n;
        if (have < sizeof(in))
            continue;
        have = 0;
        fax_rx(fax, in, FRAME);
        int made = fax_tx(fax, out, FRAME);
        if (made < FRAME)
            memset(out + made, 0, (FRAME - made) * sizeof(int16_t));
        if (write_all(out, sizeof(out)) < 0)
            break;
    }
}

int main(int argc, char **argv)
{
    const char *ident = "SWITCHBOARD";
    int ecm = 1;
    int verbose = 0;
    int t38_mode = 0;
    if (argc < 3)
        usage();
    if (strcmp(argv[1], "send") == 0)
        sending = 1;
    else if (strcmp(argv[1], "receive") != 0)
        usage();
    const char *file = argv[2];
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--ident") == 0 && i + 1 < argc)
            ident = argv[++i];
        else if (strcmp(argv[i], "--no-ecm") == 0)
            ecm = 0;
        else if (strcmp(argv[i], "--t38") == 0)
            t38_mode = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else
            usage();
    }
    signal(SIGPIPE, SIG_IGN);
    events = fcntl(3, F_GETFD) != -1 ? fdopen(3, "w") : NULL;
    if (!events)
        events = stderr;
    if (!verbose)
        TIFFSetWarningHandler(NULL);

    /* The sender is the calling party: it sends CNG and waits for the receiver's CED and DIS. */
    fax_state_t *fax = NULL;
    t38_terminal_state_t *t38 = NULL;
    t30_state_t *t30;
    if (t38_mode) {
        t38 = t38_terminal_init(NULL, sending, t38_tx, NULL);
        if (!t38) {
            fputs("switchboard-fax: t38_terminal_init failed\n", stderr);
            return 1;
        }
        t30 = t38_terminal_get_t30_state(t38);
        t38_core_state_t *core = t38_terminal_get_t38_core_state(t38);
        /* Version 0, transferred TCF, as the SDP says (src/channels/sip/protocol/sdp-t38.ts). */
        t38_set_t38_version(core, 0);
        t38_set_data_rate_management_method(core, T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
        t38_set_max_datagram_size(core, 400);
        t38_set_fastest_image_data_rate(core, 14400);
        for (int c = T38_PACKET_CATEGORY_INDICATOR; c <= T38_PACKET_CATEGORY_IMAGE_DATA_END; c++)
            t38_set_redundancy_control(core, c, 1);
        t38_terminal_set_config(t38, 0);
        t38_terminal_set_tep_mode(t38, 0);
        t38_terminal_set_fill_bit_removal(t38, 0);
    } else {
        fax = fax_init(NULL, sending);
        if (!fax) {
            fputs("switchboard-fax: fax_init failed\n", stderr);
            return 1;
        }
        t30 = fax_get_t30_state(fax);
        fax_set_transmit_on_idle(fax, 1);
        fax_set_tep_mode(fax, 0);
    }
    t30_set_tx_ident(t30, ident);
    t30_set_ecm_capability(t30, ecm);
    t30_set_supported_modems(t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
    if (sending) {
        t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION
                                                | T30_SUPPORT_T4_2D_COMPRESSION
                                                | T30_SUPPORT_T6_COMPRESSION);
        t30_set_tx_file(t30, file, -1, -1);
    } else {
        /* Received pages are stored as T.4 (G3), the form the server labels them with. */
        t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION
                                                | T30_SUPPORT_T4_2D_COMPRESSION);
        t30_set_rx_file(t30, file, -1);
    }
    t30_set_phase_d_handler(t30, phase_d, NULL);
    t30_set_phase_e_handler(t30, phase_e, NULL);
    if (verbose) {
        int level = SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_FLOW;
        if (t38) {
            span_log_set_level(t38_terminal_get_logging_state(t38), level);
            span_log_set_level(t38_core_get_logging_state(t38_terminal_get_t38_core_state(t38)),
                               level);
        } else
            span_log_set_level(fax_get_logging_state(fax), level);
        span_log_set_level(t30_get_logging_state(t30), level);
    }

    if (t38)
        run_t38(t38);
    else
        run_audio(fax);
    /* The call is over: whatever T.30 was doing ends now (phase E, if it had not come). */
    t30_terminate(t30);
    if (!ended) {
        ended = 1;
        report(t30, "end", T30_ERR_CALLDROPPED);
    }
    if (t38)
        t38_terminal_free(t38);
    else
        fax_free(fax);
    return 0;
}

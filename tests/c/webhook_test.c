/*
 * webhook_test.c - the webhook part of include/vmp.h through the built libvmp.so:
 * vmp_webhook_verify (the official Vipps test vector, altered deliveries, bad arguments),
 * the library's own receiver fed by the embedded simulator's signed deliveries over loopback
 * HTTP, a host's own HTTP server (a few lines of sockets here) handing deliveries to
 * vmp_webhook_handle, and the registration calls. Each check prints one line; the last line is
 * "<n> passed, <m> failed" and the exit status is non-zero on any failure.
 *
 * Build and run: tests/c/run.sh
 */
#define _POSIX_C_SOURCE 200809L

#include "vmp.h"
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FORGED ((vmp_client *)(uintptr_t)0xdeadbeef)
#define WAIT_MS 10000 /* bounds every wait; only a missing answer fails */

/* The official test vector (Vipps' request-authentication guide; contract §8.4). */
#define V_SECRET "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
#define V_PATH "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63"
#define V_HOST "webhook.site"
#define V_BODY "{\"some-unique-content\":\"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world\"}"
#define V_DATE "Thu, 30 Mar 2023 08:38:32 GMT"
#define V_HASH "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4="
#define V_AUTH                                                                 \
  "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" \
  "agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="

/* After a failed call: vmp_last_error() (read before any other vmp_ call) never shows the
 * vector's secret. */
static void secret_kept(void) {
  check(strstr(vmp_last_error(), V_SECRET) == NULL, "the last error does not show the secret");
}

static vmp_webhook_delivery vector(void) {
  vmp_webhook_delivery d;
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  d.method = "POST";
  d.path_and_query = V_PATH;
  d.host = V_HOST;
  d.x_ms_date = V_DATE;
  d.x_ms_content_sha256 = V_HASH;
  d.authorization = V_AUTH;
  d.body = (const uint8_t *)V_BODY;
  d.body_len = strlen(V_BODY);
  return d;
}

/* The integer after "\"name\":" in json, -1 when absent. */
static long json_int(const char *json, const char *name) {
  char key[64];
  const char *p;
  snprintf(key, sizeof key, "\"%s\":", name);
  p = strstr(json, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void test_verify(void) {
  vmp_webhook_delivery d = vector();
  const char *altered = "{\"some-unique-content\":\"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-worle\"}";

  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_OK, NULL);
  d.method = NULL;
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_OK, NULL);

  d = vector();
  d.body = (const uint8_t *)altered;
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_UNVERIFIED, "x-ms-content-sha256");
  d = vector();
  EXPECT(vmp_webhook_verify("090a478d-37ff-4e77-970e-d457aeb26a3a", &d, 0), VMP_ERR_UNVERIFIED, "signature");
  secret_kept();
  d.host = "webhook.site:443";
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_UNVERIFIED, "signature");
  secret_kept();
  d = vector();
  d.x_ms_date = NULL;
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_UNVERIFIED, "x-ms-date");
  d = vector();
  d.authorization = "";
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_UNVERIFIED, "authorization");
  d = vector();
  d.method = "GET";
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_UNVERIFIED, "POST");
  d = vector();
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 300), VMP_ERR_UNVERIFIED, "x-ms-date"); /* from 2023 */
  secret_kept();

  EXPECT(vmp_webhook_verify(NULL, &d, 0), VMP_ERR_INVALID_ARGUMENT, "secret");
  EXPECT(vmp_webhook_verify("", &d, 0), VMP_ERR_INVALID_ARGUMENT, "secret");
  EXPECT(vmp_webhook_verify(V_SECRET, NULL, 0), VMP_ERR_INVALID_ARGUMENT, "delivery");
  EXPECT(vmp_webhook_verify(V_SECRET, &d, -1), VMP_ERR_INVALID_ARGUMENT, "max_age_s");
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 2592001), VMP_ERR_INVALID_ARGUMENT, "max_age_s");
  d.struct_size = 8;
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_INVALID_ARGUMENT, "struct_size");
  d = vector();
  d.body = NULL;
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_INVALID_ARGUMENT, "body");
  d.body_len = 0; /* an empty body is a body: it just does not match this hash */
  EXPECT(vmp_webhook_verify(V_SECRET, &d, 0), VMP_ERR_UNVERIFIED, "x-ms-content-sha256");
}

static void test_receiver(void) {
  vmp_client *c = NULL;
  char ref[VMP_REFERENCE_SIZE], *json = NULL;
  vmp_payment p;
  vmp_webhook_delivery d = vector();
  long accepted;

  if (!EXPECT(vmp_init("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":300},"
                       "\"webhooks\":{\"listen\":\"127.0.0.1:0\"}}",
                       &c),
              VMP_OK, NULL))
    return;
  if (EXPECT(vmp_webhook_receiver(c, &json), VMP_OK, NULL)) {
    check(strstr(json, "\"listening\":true") && strstr(json, "\"address\":\"127.0.0.1:") &&
              strstr(json, "\"registration\":\"ok\"") && json_int(json, "secrets") == 1,
          "the receiver listens on loopback and is registered: %s", json);
    vmp_free(json);
  }
  EXPECT(vmp_start_checkout(c, "{\"amount\":49900,\"phone_number\":\"4791234567\"}", ref, sizeof ref),
         VMP_OK, NULL);
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  EXPECT(vmp_poll_status(c, ref, WAIT_MS, &p), VMP_OK, NULL);
  check(p.state == VMP_STATE_AUTHORIZED, "the payment is %s", vmp_state_str(p.state));

  /* The approval came in by webhook: the receiver took CREATED and AUTHORIZED (poll again so
   * the deliveries have certainly been counted: the status may have come from a read). */
  accepted = 0;
  {
    int i;
    for (i = 0; i < 500 && accepted < 2; i++) {
      if (vmp_webhook_receiver(c, &json) == VMP_OK) {
        accepted = json_int(json, "accepted");
        vmp_free(json);
      }
      if (accepted < 2) sleep_ms(10);
    }
  }
  check(accepted >= 2, "the receiver accepted %ld events (want CREATED and AUTHORIZED)", accepted);

  /* A forged delivery is refused and counted. */
  EXPECT(vmp_webhook_handle(c, &d), VMP_ERR_UNVERIFIED, "signature");
  if (vmp_webhook_receiver(c, &json) == VMP_OK) {
    check(json_int(json, "rejected") == 1 && strstr(json, "\"signature\":1"), "rejections: %s", json);
    vmp_free(json);
  }
  EXPECT(vmp_webhook_handle(c, NULL), VMP_ERR_INVALID_ARGUMENT, "delivery");
  EXPECT(vmp_webhook_handle(NULL, &d), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_webhook_handle(FORGED, &d), VMP_ERR_INVALID_HANDLE, "handle");

  /* Registration calls. */
  if (EXPECT(vmp_webhook_list(c, &json), VMP_OK, NULL)) {
    check(strstr(json, "\"secret_stored\":true") != NULL && strstr(json, "secret\"") == NULL,
          "the registration is listed, its secret stored but not shown: %s", json);
    vmp_free(json);
  }
  if (EXPECT(vmp_webhook_reconcile(c, NULL, &json), VMP_OK, NULL)) {
    check(strstr(json, "\"registered\":[]") && strstr(json, "\"deleted\":[]"),
          "a second reconcile changes nothing: %s", json);
    vmp_free(json);
  }
  EXPECT(vmp_webhook_reconcile(c, "{}", NULL), VMP_OK, NULL);
  EXPECT(vmp_webhook_reconcile(c, "{\"webhooks\":", NULL), VMP_ERR_INVALID_JSON, "webhooks");
  EXPECT(vmp_webhook_reconcile(c, "{\"managed_prefix\":\"pos\"}", NULL), VMP_ERR_INVALID_ARGUMENT, "managed_prefix");
  EXPECT(vmp_webhook_register(c, NULL, NULL), VMP_ERR_INVALID_ARGUMENT, "webhook_json");
  EXPECT(vmp_webhook_register(c, "{\"url\":", NULL), VMP_ERR_INVALID_JSON, NULL);
  EXPECT(vmp_webhook_register(c, "{\"url\":\"http://127.0.0.1:9/x\",\"secret\":\"x\"}", NULL),
         VMP_ERR_INVALID_JSON, "secret");
  EXPECT(vmp_webhook_register(c, "{\"url\":\"ftp://127.0.0.1/x\"}", NULL), VMP_ERR_INVALID_ARGUMENT, "url");
  EXPECT(vmp_webhook_register(c, "{\"url\":\"https://example.com/x\"}", NULL), VMP_ERR_REJECTED, NULL);
  if (EXPECT(vmp_webhook_register(c, "{\"url\":\"http://127.0.0.1:9/extra\",\"events\":[\"epayments.payment.authorized.v1\"]}", &json),
             VMP_OK, NULL)) {
    char id[64] = "";
    const char *p0 = strstr(json, "\"id\":\"");
    if (p0) sscanf(p0 + 6, "%63[^\"]", id);
    check(id[0] != '\0' && strstr(json, "\"secret_stored\":true") != NULL, "registered %s", json);
    vmp_free(json);
    EXPECT(vmp_webhook_delete(c, id), VMP_OK, NULL);
    EXPECT(vmp_webhook_delete(c, id), VMP_ERR_NOT_FOUND, NULL);
  }
  EXPECT(vmp_webhook_delete(c, NULL), VMP_ERR_INVALID_ARGUMENT, "id");
  EXPECT(vmp_webhook_delete(c, ""), VMP_ERR_INVALID_ARGUMENT, "id");
  EXPECT(vmp_webhook_receiver(c, NULL), VMP_ERR_INVALID_ARGUMENT, "out_json");
  EXPECT(vmp_webhook_list(c, NULL), VMP_ERR_INVALID_ARGUMENT, "out_json");
  EXPECT(vmp_webhook_receiver(FORGED, &json), VMP_ERR_INVALID_HANDLE, "handle");
  check(json == NULL, "out_json is NULL after a failure");
  EXPECT(vmp_webhook_list(NULL, &json), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_webhook_register(FORGED, "{}", NULL), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_webhook_delete(FORGED, "x"), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_webhook_reconcile(FORGED, NULL, NULL), VMP_ERR_INVALID_HANDLE, "handle");
  vmp_close(c);
  EXPECT(vmp_webhook_receiver(c, &json), VMP_ERR_INVALID_HANDLE, "closed");
}

/* ------------------------------------------------------------------------------------------
 * A host's own web server: accepts the simulator's deliveries on a loopback socket and hands
 * each to vmp_webhook_handle, answering 200 / 401 / 400 as the header advises.
 * ---------------------------------------------------------------------------------------- */

struct own_server {
  int fd;
  vmp_client *client;
  int handled, ok;
};

/* The value of header name in the header block (case-insensitive), copied into out. */
static void header(const char *head, const char *name, char *out, size_t size) {
  const char *line = head;
  size_t n = strlen(name);
  out[0] = '\0';
  while ((line = strstr(line, "\r\n")) != NULL) {
    line += 2;
    if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
      const char *v = line + n + 1, *end;
      while (*v == ' ') v++;
      end = strstr(v, "\r\n");
      if (end == NULL) end = v + strlen(v);
      if ((size_t)(end - v) >= size) end = v + size - 1;
      memcpy(out, v, (size_t)(end - v));
      out[end - v] = '\0';
      return;
    }
  }
}

/* Reads until `want` bytes are in buf or the peer is silent for 5 s. */
static int read_until(int fd, char *buf, size_t have, size_t want) {
  struct pollfd pfd;
  pfd.fd = fd;
  pfd.events = POLLIN;
  while (have < want) {
    ssize_t n;
    if (poll(&pfd, 1, 5000) <= 0) return -1;
    n = read(fd, buf + have, want - have);
    if (n <= 0) return -1;
    have += (size_t)n;
  }
  return (int)have;
}

/* Serves requests on one connection until it closes; returns how many it handled. */
static void serve_connection(struct own_server *s, int conn) {
  static char buf[65536];
  size_t have = 0;
  for (;;) {
    char *end = NULL, date[128], hash[128], auth[256], host[128], target[256], length[32];
    vmp_webhook_delivery d;
    vmp_status st;
    size_t head_len, body_len;
    const char *answer;
    struct pollfd pfd;
    pfd.fd = conn;
    pfd.events = POLLIN;
    while ((end = have ? strstr(buf, "\r\n\r\n") : NULL) == NULL) {
      ssize_t n;
      if (have >= sizeof buf - 1 || poll(&pfd, 1, 5000) <= 0) return;
      n = read(conn, buf + have, sizeof buf - 1 - have);
      if (n <= 0) return;
      have += (size_t)n;
      buf[have] = '\0';
    }
    head_len = (size_t)(end - buf) + 4;
    end[2] = '\0'; /* the header block, each line ending in \r\n */
    header(buf, "content-length", length, sizeof length);
    body_len = (size_t)strtoul(length, NULL, 10);
    if (head_len + body_len >= sizeof buf || read_until(conn, buf, have, head_len + body_len) < 0) return;
    header(buf, "x-ms-date", date, sizeof date);
    header(buf, "x-ms-content-sha256", hash, sizeof hash);
    header(buf, "authorization", auth, sizeof auth);
    header(buf, "host", host, sizeof host);
    sscanf(buf, "POST %255s", target);
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.method = "POST";
    d.path_and_query = target;
    d.host = host;
    d.x_ms_date = date;
    d.x_ms_content_sha256 = hash;
    d.authorization = auth;
    d.body = (const uint8_t *)buf + head_len;
    d.body_len = body_len;
    st = vmp_webhook_handle(s->client, &d);
    s->handled++;
    if (st == VMP_OK) s->ok++;
    answer = st == VMP_OK ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
             : st == VMP_ERR_UNVERIFIED ? "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
                                        : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    if (write(conn, answer, strlen(answer)) < 0) return;
    memmove(buf, buf + head_len + body_len, have - head_len - body_len);
    have -= head_len + body_len;
    buf[have] = '\0';
    if (s->handled >= 2) return; /* CREATED and AUTHORIZED */
  }
}

static void *own_server_run(void *arg) {
  struct own_server *s = arg;
  struct pollfd pfd;
  pfd.fd = s->fd;
  pfd.events = POLLIN;
  while (s->handled < 2 && poll(&pfd, 1, WAIT_MS) > 0) {
    int conn = accept(s->fd, NULL, NULL);
    if (conn < 0) break;
    serve_connection(s, conn);
    close(conn);
  }
  return NULL;
}

static void test_own_server(void) {
  struct own_server s;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  pthread_t th;
  vmp_client *c = NULL;
  char ref[VMP_REFERENCE_SIZE], json[256], *out = NULL;
  vmp_payment p;

  memset(&s, 0, sizeof s);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s.fd = socket(AF_INET, SOCK_STREAM, 0);
  if (!check(s.fd >= 0 && bind(s.fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(s.fd, 4) == 0 &&
                 getsockname(s.fd, (struct sockaddr *)&addr, &len) == 0,
             "a loopback server socket for the host's own web server"))
    return;
  if (!EXPECT(vmp_init("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":300},"
                       "\"webhooks\":{\"register\":false}}",
                       &c),
              VMP_OK, NULL)) {
    close(s.fd);
    return;
  }
  s.client = c;
  snprintf(json, sizeof json, "{\"url\":\"http://127.0.0.1:%d/pos/vipps?store=12\"}", ntohs(addr.sin_port));
  EXPECT(vmp_webhook_register(c, json, NULL), VMP_OK, NULL);
  pthread_create(&th, NULL, own_server_run, &s);
  EXPECT(vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"4791234567\"}", ref, sizeof ref),
         VMP_OK, NULL);
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  EXPECT(vmp_poll_status(c, ref, WAIT_MS, &p), VMP_OK, NULL);
  check(p.state == VMP_STATE_AUTHORIZED, "the payment is %s", vmp_state_str(p.state));
  pthread_join(th, NULL);
  check(s.handled == 2 && s.ok == 2, "the host's server handed in %d deliveries, %d taken (want 2, 2)",
        s.handled, s.ok);
  if (vmp_webhook_receiver(c, &out) == VMP_OK) {
    check(strstr(out, "\"listening\":false") && json_int(out, "accepted") == 2, "counters: %s", out);
    vmp_free(out);
  }
  close(s.fd);
  vmp_close(c);
}

int main(void) {
  test_verify();
  test_receiver();
  test_own_server();
  return check_summary();
}

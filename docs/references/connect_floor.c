// The floor of opening WebSocket connections over loopback: a client and a server in C, one
// thread and one epoll set each, doing the least an opening can be (TCP connect, the upgrade
// request, the 101 response with a one-frame welcome behind it) and nothing else. Used in
// docs/PERFORMANCE.md to tell the load generator's limit from the server's:
//
//   gcc -O2 -o connect_floor docs/references/connect_floor.c -lcrypto   # gcc, libssl-dev
//   ./connect_floor server PORT
//       answers every upgrade request with a valid 101 (Sec-WebSocket-Accept computed from the
//       request's key) and a welcome frame, holds the connection, never reads again
//   ./connect_floor client PORT CONNECTIONS [CONCURRENCY]
//       opens CONNECTIONS connections to 127.0.0.1:PORT, at most CONCURRENCY (default 256)
//       under way, the i-th from source address 127.0.0.(1 + i % 10), and counts one open when
//       the response's head has arrived and is a 101; prints connections/s and exits (which
//       closes them all). Exit status 1 if any failed or none came within 10 s.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 65536
#define HEAD_MAX 1024

static const char REQUEST[] =
    "GET /?room=bench HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int serve(int port) {
  int one = 1, ep = epoll_create1(0);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(port)};
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (void *)&at, sizeof at) || listen(listener, 4096)) {
    perror("connect_floor: listen");
    return 1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener}, ready[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  char in[4096], out[512];
  for (;;) {
    int n = epoll_wait(ep, ready, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        int c;
        while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      ssize_t r = read(fd, in, sizeof in);
      char *key = r > 0 ? memmem(in, r, "Sec-WebSocket-Key: ", 19) : NULL;
      char *end = key ? memchr(key + 19, '\r', in + r - key - 19) : NULL;
      if (!end || end - key - 19 > 64) {  // closed, or not an upgrade: drop it
        close(fd);
        continue;
      }
      char joined[128];
      int keyLength = end - key - 19;
      memcpy(joined, key + 19, keyLength);
      memcpy(joined + keyLength, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
      unsigned char digest[SHA_DIGEST_LENGTH];
      SHA1((unsigned char *)joined, keyLength + 36, digest);
      char accept[64];
      EVP_EncodeBlock((unsigned char *)accept, digest, sizeof digest);
      int length = snprintf(out, sizeof out,
                            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                            "\x81\x19* welcome 127.0.0.1:40000",
                            accept);
      if (write(fd, out, length) != length) close(fd);
      // Held from here on: a later read (the peer closing) finds no key and closes it.
    }
  }
}

static unsigned char head[MAX_FD][HEAD_MAX];
static unsigned short headLength[MAX_FD];

static int dial(int ep, int port, int i) {
  int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0 || fd >= MAX_FD) {
    perror("connect_floor: socket");
    exit(1);
  }
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in from = {.sin_family = AF_INET};
  from.sin_addr.s_addr = htonl(0x7f000001 + i % 10);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (void *)&from, sizeof from)) {
    perror("connect_floor: bind");
    exit(1);
  }
  connect(fd, (void *)&to, sizeof to);  // EINPROGRESS; the outcome comes as EPOLLOUT
  headLength[fd] = 0;
  struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

static int client(int port, int total, int concurrency) {
  int ep = epoll_create1(0), started = 0, opened = 0, failed = 0;
  struct epoll_event ev, ready[256];
  double start = now();
  while (started < concurrency && started < total) dial(ep, port, started++);
  while (opened + failed < total) {
    int n = epoll_wait(ep, ready, 256, 10000);
    if (n <= 0) {
      fprintf(stderr, "connect_floor: nothing for 10 s, %d open, %d failed\n", opened, failed);
      return 1;
    }
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd, done = 0;
      if (ready[i].events & (EPOLLERR | EPOLLHUP)) {
        done = -1;
      } else if (ready[i].events & EPOLLOUT) {
        if (write(fd, REQUEST, sizeof REQUEST - 1) != sizeof REQUEST - 1) {
          done = -1;
        } else {
          ev.events = EPOLLIN;
          ev.data.fd = fd;
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
      } else {
        ssize_t r = read(fd, head[fd] + headLength[fd], HEAD_MAX - 1 - headLength[fd]);
        if (r <= 0) {
          done = -1;
        } else {
          headLength[fd] += r;
          head[fd][headLength[fd]] = 0;
          if (strstr((char *)head[fd], "\r\n\r\n")) {
            done = strncmp((char *)head[fd], "HTTP/1.1 101 ", 13) == 0 ? 1 : -1;
          } else if (headLength[fd] >= HEAD_MAX - 1) {
            done = -1;
          }
        }
      }
      if (done == 0) continue;
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
      if (done > 0) {
        opened++;
      } else {
        failed++;
        close(fd);
      }
      if (started < total) dial(ep, port, started++);
    }
  }
  double took = now() - start;
  printf("%d open, %d failed, in %.3f s: %.0f connections/s\n", opened, failed, took,
         opened / took);
  return failed > 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "server") == 0) return serve(atoi(argv[2]));
  if (argc >= 4 && strcmp(argv[1], "client") == 0) {
    return client(atoi(argv[2]), atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 256);
  }
  fprintf(stderr,
          "usage: connect_floor server PORT | connect_floor client PORT CONNECTIONS [CONCURRENCY]\n");
  return 2;
}

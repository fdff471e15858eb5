/*
 * wall_doorbell.c - how a host thread wakes a goroutine without running any Go code (wall.h).
 *
 * Idle workers sleep in Go, where a sleeping goroutine holds none of Go's scheduler slots (Ps),
 * not in C: a thread waiting in C inside a cgo call keeps its P until Go's monitor takes it back
 * (20 us to 10 ms), and calls that need a P meanwhile stall. Waking a sleeping goroutine takes
 * Go code, which a host thread must never run; but a goroutine sleeping on a read from a file
 * that Go's network poller watches is woken by the poller - on the thread that polls, which
 * then runs it - when the file becomes readable. A doorbell is such a file, and ringing it is
 * one write, a plain system call:
 *
 *   Linux    an eventfd, non-blocking, so that Go's os.NewFile puts it into its epoll set; one
 *            descriptor is both ends, and Go's os.File owns it (closes it);
 *   Windows  a named pipe whose reading end is opened for overlapped I/O (Go's os.NewFile then
 *            reads it through its I/O completion port; its os.File owns that handle) and whose
 *            writing end, this file's, is synchronous.
 *
 * Each worker has its own doorbell, and the pool one more for the goroutine that starts workers
 * (wall_pool.c). Its ringers ring only after the reader has announced that it will sleep, once
 * per announcement, so at most one ring is ever unread and a write never blocks.
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#endif

#include "wall.h"

#if defined(_WIN32)

#  ifndef _WIN32_WINNT
#    define _WIN32_WINNT 0x0A00
#  endif
#  include <stdio.h>
#  include <windows.h>

int wall_doorbell_open(wall_doorbell *d) {
  static LONG opened;
  wchar_t name[128];
  /* A name no other pipe has: this process, this doorbell, and a clock. The first-instance flag
   * fails the creation if the name exists after all, and with one instance only, nobody else
   * can connect as a second writer. */
  _snwprintf(name, sizeof name / sizeof name[0], L"\\\\.\\pipe\\vmp-doorbell-%lu-%ld-%llu",
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&opened),
             (unsigned long long)GetTickCount64());
  name[sizeof name / sizeof name[0] - 1] = 0;
  d->read = CreateNamedPipeW(name, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                             PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 64, 64,
                             0, NULL);
  if (d->read == INVALID_HANDLE_VALUE) return 0;
  d->write = CreateFileW(name, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (d->write == INVALID_HANDLE_VALUE) {
    CloseHandle(d->read);
    return 0;
  }
  return 1;
}

void wall_doorbell_close(wall_doorbell *d) {
  CloseHandle(d->write);
  CloseHandle(d->read);
}

void wall_doorbell_close_writer(wall_doorbell *d) { CloseHandle(d->write); }

uintptr_t wall_doorbell_reader(const wall_doorbell *d) { return (uintptr_t)d->read; }

void wall_doorbell_ring(const wall_doorbell *d) {
  char one = 1;
  DWORD written;
  WriteFile(d->write, &one, 1, &written, NULL);
}

#else

#  include <errno.h>
#  include <stdint.h>
#  include <sys/eventfd.h>
#  include <unistd.h>

int wall_doorbell_open(wall_doorbell *d) {
  d->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return d->fd >= 0;
}

void wall_doorbell_close(wall_doorbell *d) { close(d->fd); }

void wall_doorbell_close_writer(wall_doorbell *d) { (void)d; /* the one descriptor is Go's */ }

uintptr_t wall_doorbell_reader(const wall_doorbell *d) { return (uintptr_t)d->fd; }

void wall_doorbell_ring(const wall_doorbell *d) {
  uint64_t one = 1;
  ssize_t n;
  do n = write(d->fd, &one, sizeof one);
  while (n < 0 && errno == EINTR);
}

#endif

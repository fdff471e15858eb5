/*
 * wall_doorbell.c - how a host thread wakes Go without running any Go code (wall_pool.c).
 *
 * Idle workers sleep in Go, where a sleeping goroutine holds none of Go's scheduler slots (Ps),
 * not in C: a thread waiting in C inside a cgo call keeps its P until Go's monitor takes it back
 * (20 us to 10 ms), and calls that need a P meanwhile stall. Waking a sleeping goroutine takes
 * Go code, which a host thread must never run; but a goroutine sleeping on a read from a file
 * that Go's network poller watches is woken by the poller when the file becomes readable. The
 * doorbell is such a file, and ringing it is one write, a plain system call:
 *
 *   Linux    an eventfd (non-blocking, so that Go's os.NewFile puts it into its epoll set);
 *   Windows  a named pipe whose reading end is opened for overlapped I/O (Go's os.NewFile then
 *            reads it through its I/O completion port) and whose writing end is synchronous.
 *
 * wall_pool.c rings only when the reading goroutine has announced that it will sleep, once per
 * announcement, so at most one ring is ever unread: a write never blocks.
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

static HANDLE bell_read = INVALID_HANDLE_VALUE, bell_write = INVALID_HANDLE_VALUE;

int wall_doorbell_open(void) {
  static LONG opened;
  wchar_t name[128];
  /* A name no other pipe has: this process, this attempt, and a clock. The first-instance flag
   * fails the creation if the name exists after all, and one instance only: nobody else can be
   * connected as a second writer. */
  _snwprintf(name, sizeof name / sizeof name[0], L"\\\\.\\pipe\\vmp-doorbell-%lu-%ld-%llu",
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&opened),
             (unsigned long long)GetTickCount64());
  name[sizeof name / sizeof name[0] - 1] = 0;
  bell_read = CreateNamedPipeW(name, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                               PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 64,
                               64, 0, NULL);
  if (bell_read == INVALID_HANDLE_VALUE) return 0;
  bell_write = CreateFileW(name, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (bell_write == INVALID_HANDLE_VALUE) {
    CloseHandle(bell_read);
    bell_read = INVALID_HANDLE_VALUE;
    return 0;
  }
  return 1;
}

void wall_doorbell_close(void) {
  CloseHandle(bell_write);
  CloseHandle(bell_read);
  bell_read = bell_write = INVALID_HANDLE_VALUE;
}

uintptr_t wall_doorbell_reader(void) { return (uintptr_t)bell_read; }

void wall_doorbell_ring(void) {
  char one = 1;
  DWORD written;
  WriteFile(bell_write, &one, 1, &written, NULL);
}

#else

#  include <errno.h>
#  include <stdint.h>
#  include <sys/eventfd.h>
#  include <unistd.h>

static int bell = -1;

int wall_doorbell_open(void) {
  bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return bell >= 0;
}

void wall_doorbell_close(void) {
  close(bell);
  bell = -1;
}

uintptr_t wall_doorbell_reader(void) { return (uintptr_t)bell; }

void wall_doorbell_ring(void) {
  uint64_t one = 1;
  ssize_t n;
  do n = write(bell, &one, sizeof one);
  while (n < 0 && errno == EINTR);
}

#endif

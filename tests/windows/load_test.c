/*
 * load_test.c - loads vmp.dll the way the Python and C# bindings do (LoadLibrary by path, each
 * function by its name with GetProcAddress, called through a pointer typed from vmp.h), and
 * loads the DLL of the other architecture to show what a binding sees on a mismatch.
 *
 * Usage: load_test.exe VMP_DLL FUNCTIONS_FILE OTHER_ARCH_DLL
 *   FUNCTIONS_FILE: the names of vmp.h's functions, one a line (scripts/from-header.sh functions)
 * Each check prints one line; the last is "<n> passed, <m> failed"; exit status 0 when all pass.
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "vmp.h"

static int passed, failed;

static int check(int ok, const char *what, const char *detail) {
  printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail ? ": " : "", detail ? detail : "");
  if (ok) passed++;
  else failed++;
  return ok;
}

int main(int argc, char **argv) {
  HMODULE dll, other;
  FILE *names;
  char name[128], detail[256];
  int found = 0, missing = 0;
  const char *(VMP_CALL *version)(void);
  const char *(VMP_CALL *last_error)(void);
  const char *(VMP_CALL *status_str)(vmp_status);
  vmp_status(VMP_CALL *init)(const char *, vmp_client **);
  vmp_client *client = (vmp_client *)1;
  vmp_status st;
  DWORD err;

  if (argc != 4) {
    fprintf(stderr, "usage: load_test VMP_DLL FUNCTIONS_FILE OTHER_ARCH_DLL\n");
    return 2;
  }
  dll = LoadLibraryA(argv[1]);
  snprintf(detail, sizeof detail, "%s (error %lu)", argv[1], dll ? 0ul : (unsigned long)GetLastError());
  if (!check(dll != NULL, "LoadLibrary loads vmp.dll", detail)) return 1;

  names = fopen(argv[2], "r");
  if (!check(names != NULL, "the list of vmp.h's functions opens", argv[2])) return 1;
  while (fscanf(names, "%127s", name) == 1) {
    if (GetProcAddress(dll, name) != NULL) {
      found++;
    } else {
      missing++;
      check(0, "GetProcAddress finds", name);
    }
  }
  fclose(names);
  snprintf(detail, sizeof detail, "%d found", found);
  check(found > 0 && missing == 0, "every function of vmp.h by its undecorated name", detail);
  check(GetProcAddress(dll, "vmpgo_init") == NULL, "the internal vmpgo_init is not exported", NULL);

  /* The casts go through FARPROC, the type GetProcAddress returns, as a binding's do. */
  version = (const char *(VMP_CALL *)(void))(void (*)(void))GetProcAddress(dll, "vmp_version");
  last_error = (const char *(VMP_CALL *)(void))(void (*)(void))GetProcAddress(dll, "vmp_last_error");
  status_str = (const char *(VMP_CALL *)(vmp_status))(void (*)(void))GetProcAddress(dll, "vmp_status_str");
  init = (vmp_status(VMP_CALL *)(const char *, vmp_client **))(void (*)(void))GetProcAddress(dll, "vmp_init");
  if (version && last_error && status_str && init) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", VMP_VERSION_MAJOR, VMP_VERSION_MINOR, VMP_VERSION_PATCH);
    check(strcmp(version(), want) == 0, "vmp_version() through the pointer is the header's", version());
    check(strcmp(status_str(VMP_ERR_INVALID_JSON), "VMP_ERR_INVALID_JSON") == 0,
          "vmp_status_str(VMP_ERR_INVALID_JSON)", status_str(VMP_ERR_INVALID_JSON));
    st = init("{not json", &client);
    check(st == VMP_ERR_INVALID_JSON && client == NULL, "vmp_init with malformed JSON fails cleanly",
          last_error());
    check(last_error()[0] != '\0', "vmp_last_error() explains it", last_error());
  }

  /* A 32-bit process cannot load a 64-bit DLL and vice versa: LoadLibrary fails with
   * ERROR_BAD_EXE_FORMAT (193), which .NET reports as BadImageFormatException and Python's
   * ctypes as "OSError: [WinError 193] %1 is not a valid Win32 application". */
  other = LoadLibraryA(argv[3]);
  err = GetLastError();
  snprintf(detail, sizeof detail, "%s: error %lu", argv[3], (unsigned long)err);
  check(other == NULL && err == ERROR_BAD_EXE_FORMAT,
        "the other architecture's vmp.dll is refused with ERROR_BAD_EXE_FORMAT", detail);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}

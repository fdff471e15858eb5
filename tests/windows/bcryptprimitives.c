/*
 * bcryptprimitives.c - a stand-in for Windows' bcryptprimitives.dll, for the wine prefix of
 * tests/windows/run.sh only; it never ships.
 *
 * The Go runtime (since Go 1.22) takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every Windows since 10 has, and refuses to start without it
 * ("fatal error: bcryptprimitives.dll not found"). Wine 8.0, the one Debian 12 packages, lacks
 * that DLL, so run.sh puts this one into the prefix's system folders when wine has none: it
 * answers ProcessPrng from BCryptGenRandom, the system generator wine does have. Nothing else
 * in the tests depends on it.
 */
#include <windows.h>

#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}

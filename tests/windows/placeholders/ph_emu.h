/*
 * ph_emu.h - forced (-include) into the placeholder variant of the Windows
 * suite, library and tests alike: the memory calls of kernel32 go to
 * ph_emu.c, which gives them the placeholder rules of Windows 10 1803+
 * that wine 8 lacks (VirtualAlloc2 with MEM_RESERVE_PLACEHOLDER answers
 * ERROR_INVALID_PARAMETER there).  <windows.h> comes first, so that the
 * names below rename the calls, not Windows' declarations of them.
 */
#ifndef PAL_PH_EMU_H
#define PAL_PH_EMU_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

void *WINAPI ph_VirtualAlloc(void *v, SIZE_T n, DWORD type, DWORD protect);
BOOL WINAPI ph_VirtualFree(void *v, SIZE_T n, DWORD type);
SIZE_T WINAPI ph_VirtualQuery(const void *v, MEMORY_BASIC_INFORMATION *mbi, SIZE_T size);
BOOL WINAPI ph_VirtualProtect(void *v, SIZE_T n, DWORD protect, DWORD *old);
FARPROC WINAPI ph_GetProcAddress(HMODULE module, LPCSTR name);

/* For the tests: make the calls of one kind at one address fail with err
 * (0: stop), as Windows may when it runs out of the resources the call
 * needs; nothing else about the call changes.  The address is the one the
 * call is given (a reservation with an alignment is given none: 0). */
enum {
    PH_REFUSE_SPLIT,   /* VirtualFree(MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER): split or unfill */
    PH_REFUSE_RELEASE, /* VirtualFree(MEM_RELEASE) */
    PH_REFUSE_ALIGNED, /* VirtualAlloc2 reservation with an alignment above the granularity */
    PH_REFUSE_FILL,    /* VirtualAlloc2(MEM_REPLACE_PLACEHOLDER) */
    PH_REFUSE_COMMIT,  /* VirtualAlloc(MEM_COMMIT) in an allocation */
    PH_REFUSE_KINDS
};
void ph_refuse(int kind, uintptr_t at, DWORD err);

/* ph_emu.c itself calls wine's */
#ifndef PH_EMU_SELF
#define VirtualAlloc ph_VirtualAlloc
#define VirtualFree ph_VirtualFree
#define VirtualQuery ph_VirtualQuery
#define VirtualProtect ph_VirtualProtect
#define GetProcAddress ph_GetProcAddress
#endif

#endif

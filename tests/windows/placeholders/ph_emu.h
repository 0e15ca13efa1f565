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

#define VirtualAlloc ph_VirtualAlloc
#define VirtualFree ph_VirtualFree
#define VirtualQuery ph_VirtualQuery
#define VirtualProtect ph_VirtualProtect
#define GetProcAddress ph_GetProcAddress

#endif

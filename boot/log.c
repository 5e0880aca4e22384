// SPDX-License-Identifier: MIT
#include "boot/loader.h"

#include "drivers/uart16550.h"
#include "lib/fmt.h"
#include "lib/string.h"

static uint32_t log_level = HV_LOG_INFO;
static bool firmware_console = true;

/*
 * The text consoles to mirror lines on. The firmware's own console may
 * already include a terminal on COM1 (OVMF's does); writing there as well
 * as to COM1 would print every line twice, so serial consoles are left
 * out and only screens are kept.
 */
#define MAX_SCREENS 4
static SIMPLE_TEXT_OUTPUT_INTERFACE *screens[MAX_SCREENS];
static UINTN screen_count;

static bool path_has_uart(EFI_DEVICE_PATH *dp)
{
	for (; !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp))
		if (DevicePathType(dp) == MESSAGING_DEVICE_PATH &&
		    DevicePathSubType(dp) == MSG_UART_DP)
			return true;
	return false;
}

static void find_screens(void)
{
	EFI_HANDLE *handles = NULL;
	UINTN n = 0;

	if (EFI_ERROR(LibLocateHandle(ByProtocol, &TextOutProtocol, NULL, &n,
				      &handles)))
		return;
	for (UINTN i = 0; i < n && screen_count < MAX_SCREENS; i++) {
		EFI_DEVICE_PATH *dp = NULL;
		SIMPLE_TEXT_OUTPUT_INTERFACE *out = NULL;

		/* No device path: a virtual console such as the splitter. */
		if (EFI_ERROR(BS->HandleProtocol(handles[i], &DevicePathProtocol,
						 (void **)&dp)) ||
		    !dp || path_has_uart(dp))
			continue;
		if (!EFI_ERROR(BS->HandleProtocol(handles[i], &TextOutProtocol,
						  (void **)&out)) &&
		    out)
			screens[screen_count++] = out;
	}
	FreePool(handles);
}

void blog_init(void)
{
	uart_init(UART_COM1);
	find_screens();
}

void blog_set_level(uint32_t level)
{
	log_level = level;
}

void blog_firmware_gone(void)
{
	firmware_console = false;
}

static void conout(const char *s)
{
	CHAR16 wide[160];
	UINTN n = 0;

	/* The text console wants UCS-2 and CR LF. */
	for (; *s; s++) {
		if (n + 3 >= sizeof(wide) / sizeof(wide[0])) {
			wide[n] = 0;
			for (UINTN i = 0; i < screen_count; i++)
				screens[i]->OutputString(screens[i], wide);
			n = 0;
		}
		if (*s == '\n')
			wide[n++] = '\r';
		wide[n++] = (unsigned char)*s;
	}
	wide[n] = 0;
	for (UINTN i = 0; i < screen_count; i++)
		screens[i]->OutputString(screens[i], wide);
}

void blog(uint32_t level, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = fmt_snprintf(line, sizeof(line), "hv: ");
	va_start(ap, fmt);
	fmt_vsnprintf(line + n, sizeof(line) - (UINTN)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	line[n] = '\0';
	uart_write(UART_COM1, line, (uint64_t)n);
	if (firmware_console)
		conout(line);
}

/* SPDX-License-Identifier: MIT */
/* Polled driver for a 16550-compatible UART (COM1 on PCs). */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1 0x3f8

void uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);
void uart_write(uint16_t base, const char *s, uint64_t len);
/* Polls before each byte; no CR is added. */
void uart_write_raw(uint16_t base, const char *s, uint64_t len);
/*
 * LSR.THRE: with the FIFO on (uart_init), the transmit FIFO is empty and
 * takes up to 16 bytes without another look (uart_burst).
 */
bool uart_tx_idle(uint16_t base);
void uart_burst(uint16_t base, const char *s, uint32_t len);
/* Waits until every queued byte has left the transmitter. */
void uart_drain(uint16_t base);
/* Returns true and the byte if one was received; never blocks. */
bool uart_getc(uint16_t base, char *c);

#endif

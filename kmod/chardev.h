/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chardev.h - /dev/dlock, the misc device programs take locks through.
 */
#ifndef DLOCK_CHARDEV_H
#define DLOCK_CHARDEV_H

int dlock_chardev_init(void);
void dlock_chardev_uninit(void);

#endif /* DLOCK_CHARDEV_H */

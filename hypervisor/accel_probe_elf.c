/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny guest for the accelerator probe: a 32-bit ELF with a PVH entry note whose code
 * writes to isa-debug-exit, so QEMU's exit status proves guest instructions really ran.
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "qemu_priv.h"

#define PROBE_LOAD_ADDR		 0x100000u
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct probe_image {
	Elf32_Ehdr ehdr;
	Elf32_Phdr load, note;
	Elf32_Nhdr nhdr;
	char name[4];	/* "Xen" */
	uint32_t entry; /* the note's payload: the PVH 32-bit entry point */
	uint8_t code[12];
} __attribute__((packed));

/* mov $0x501,%dx (isa-debug-exit's port); mov $0x2a,%al; out %al,(%dx); 1: hlt; jmp 1b */
static const uint8_t probe_code[] = {0x66, 0xba, 0x01, 0x05, 0xb0, 0x2a, 0xee, 0xf4, 0xeb, 0xfd};

int accel_probe_write_elf(int fd)
{
	struct probe_image img;
	memset(&img, 0, sizeof(img));
	uint32_t code_off = offsetof(struct probe_image, code);
	uint32_t note_off = offsetof(struct probe_image, nhdr);

	memcpy(img.ehdr.e_ident, ELFMAG, SELFMAG);
	img.ehdr.e_ident[EI_CLASS] = ELFCLASS32;
	img.ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	img.ehdr.e_ident[EI_VERSION] = EV_CURRENT;
	img.ehdr.e_type = ET_EXEC;
	img.ehdr.e_machine = EM_386;
	img.ehdr.e_version = EV_CURRENT;
	img.ehdr.e_entry = PROBE_LOAD_ADDR + code_off;
	img.ehdr.e_phoff = offsetof(struct probe_image, load);
	img.ehdr.e_ehsize = sizeof(Elf32_Ehdr);
	img.ehdr.e_phentsize = sizeof(Elf32_Phdr);
	img.ehdr.e_phnum = 2;

	img.load.p_type = PT_LOAD;
	img.load.p_vaddr = img.load.p_paddr = PROBE_LOAD_ADDR;
	img.load.p_filesz = img.load.p_memsz = sizeof(img);
	img.load.p_flags = PF_R | PF_X;
	img.load.p_align = 0x1000;

	img.note.p_type = PT_NOTE;
	img.note.p_offset = note_off;
	img.note.p_filesz = code_off - note_off;
	img.note.p_flags = PF_R;
	img.note.p_align = 4;

	img.nhdr.n_namesz = 4;
	img.nhdr.n_descsz = 4;
	img.nhdr.n_type = XEN_ELFNOTE_PHYS32_ENTRY;
	memcpy(img.name, "Xen", 4);
	img.entry = PROBE_LOAD_ADDR + code_off;
	memcpy(img.code, probe_code, sizeof(probe_code));

	const char *p = (const char *)&img;
	size_t left = sizeof(img);
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/*
 * pl_train_report.h - what training leaves next to the model for people: a CSV of every
 * loss per step, a preview PNG (content | stylized | style crop), and a loss plot PNG.
 * Reporting failures are warnings: they never stop training.
 */
#ifndef PL_TRAIN_REPORT_H
#define PL_TRAIN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "gen/gen_backend.h"

typedef struct pl_train_report {
    char base[4096]; /* output path without extension */
    const char *const *names;
    int n;
    FILE *csv;
    double *hist; /* rows of n losses */
    int64_t *steps;
    int64_t rows, cap;
} pl_train_report;

/* Opens BASE.train.csv (resume: keeps the rows up to resume_step and reloads them). */
int pl_train_report_open(pl_train_report *r, const char *base, const char *const *names, int n,
                         int64_t resume_step);
void pl_train_report_row(pl_train_report *r, int64_t step, const char *phase, const double *losses);
/* BASE.preview.png: first image of content | output | style, side by side. */
void pl_train_report_preview(pl_train_report *r, gen_backend *be, gen_tensor content,
                             gen_tensor out, gen_tensor style);
/* BASE.loss.png: every loss series, each scaled to the plot height, coloured by series. */
void pl_train_report_plot(pl_train_report *r);
void pl_train_report_close(pl_train_report *r);

#endif /* PL_TRAIN_REPORT_H */

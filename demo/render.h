/*
 * render.h - draw the game.  Reads the state, never changes it, so this
 * object can be edited and reloaded freely while the game runs.
 */
#ifndef DEMO_RENDER_H
#define DEMO_RENDER_H

#include "game.h"
#include "gfx.h"

void render_frame(struct fb *f, const struct game *g);

#endif

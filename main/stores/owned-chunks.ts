// The mark a layer stream puts on chunks it hands over whole: their memory (offset 0 of their ArrayBuffer)
// is referenced by nothing else, so a reader may transfer it to a worker instead of copying it.

/** Chunks whose ArrayBuffer nobody but the reader references once emitted; see `Layer.open`. */
export const ownedChunks = new WeakSet<Uint8Array>();


gtzyj-clerk@9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08editor"gtzyj*å¼ ä¸‰2admin:æå››B‰®İØµÈê¤JÂ®İØµÈê¤R¦®İØµÈê¤
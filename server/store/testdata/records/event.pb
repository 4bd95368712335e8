
departments/gtzyj/items/12reviewer"è¯·è¡¥å……ä¾æ®*®İØµÈê¤0P:departments/gtzyj/submissions/9
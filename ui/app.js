const a = "\"" + `\n`;

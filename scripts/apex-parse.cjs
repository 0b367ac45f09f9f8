// Parses Apex class files with @apexdevtools/apex-parser (the ANTLR grammar of the Apex
// language) and prints, as JSON, each file's syntax errors and each method's body as the parse
// tree holds it (whitespace-free text), so tests can check what a method really calls.
// Usage: node scripts/apex-parse.cjs PARSER_MODULE_DIR FILE.cls...
const fs = require("fs");
const parserModule = process.argv[2];
const { ApexParserFactory, ApexErrorListener, ApexParserBaseListener, ApexParseTreeWalker } = require(parserModule);

class Errors extends ApexErrorListener {
  constructor() {
    super();
    this.errors = [];
  }
  apexSyntaxError(line, column, msg) {
    this.errors.push(`${line}:${column} ${msg}`);
  }
}

class Methods extends ApexParserBaseListener {
  constructor() {
    super();
    this.methods = {};
    this.classes = [];
  }
  enterClassDeclaration(ctx) {
    this.classes.push(ctx.id().getText());
  }
  enterMethodDeclaration(ctx) {
    const body = ctx.block() ? ctx.block().getText() : "";
    this.methods[ctx.id().getText()] = body;
  }
}

const out = {};
for (const file of process.argv.slice(3)) {
  const listener = new Errors();
  const { parser } = ApexParserFactory.createLexerAndParser(fs.readFileSync(file, "utf8"), listener);
  const tree = parser.compilationUnit();
  const methods = new Methods();
  ApexParseTreeWalker.DEFAULT.walk(methods, tree);
  out[file] = { errors: listener.errors, classes: methods.classes, methods: methods.methods };
}
console.log(JSON.stringify(out));

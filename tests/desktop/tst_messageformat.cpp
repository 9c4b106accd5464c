// Light formatting (docs/formatting.md): every rule and example of the document, as a table.
// The tree is written out as «b|…» bold, «i|…» italic, «c|…» inline code, «a|…» link; blocks as
// [code]…, [quote]…, lines joined by "/".
#include "MessageFormat.h"

#include <QTest>

using namespace ic::desktop;

namespace {
QString write(const QList<FormatNode> &nodes)
{
    QString out;
    for (const FormatNode &n : nodes) {
        switch (n.kind) {
        case FormatNode::Kind::Text:
            out += n.text;
            break;
        case FormatNode::Kind::Code:
            out += QStringLiteral("«c|") + n.text + QStringLiteral("»");
            break;
        case FormatNode::Kind::Link:
            out += QStringLiteral("«a|") + n.text + QStringLiteral("»");
            break;
        case FormatNode::Kind::Bold:
            out += QStringLiteral("«b|") + write(n.children) + QStringLiteral("»");
            break;
        case FormatNode::Kind::Italic:
            out += QStringLiteral("«i|") + write(n.children) + QStringLiteral("»");
            break;
        }
    }
    return out;
}

QString write(const QList<FormatBlock> &blocks)
{
    QStringList out;
    for (const FormatBlock &b : blocks) {
        QStringList lines;
        if (b.kind == FormatBlock::Kind::Code) {
            lines = b.lines;
        } else {
            for (const auto &line : b.inlines)
                lines << write(line);
        }
        const QString prefix = b.kind == FormatBlock::Kind::Code    ? QStringLiteral("[code]")
                               : b.kind == FormatBlock::Kind::Quote ? QStringLiteral("[quote]")
                                                                    : QString();
        out << prefix + lines.join(u'/');
    }
    return out.join(QStringLiteral(" | "));
}
} // namespace

class TestMessageFormat : public QObject
{
    Q_OBJECT
private slots:
    void inlineRules_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("tree");
        auto row = [](const char *name, const QString &line, const QString &tree) {
            QTest::newRow(name) << line << tree;
        };
        row("plain", QStringLiteral("just text"), QStringLiteral("just text"));
        // 2.1 code spans first
        row("code", QStringLiteral("`a*b*`"), QStringLiteral("«c|a*b*»"));
        row("double backtick", QStringLiteral("``a`b``"), QStringLiteral("«c|a`b»"));
        row("unmatched backtick", QStringLiteral("`x"), QStringLiteral("`x"));
        row("run must match exactly", QStringLiteral("``a` b"), QStringLiteral("``a` b"));
        row("code keeps spaces", QStringLiteral("x ` a  b ` y"), QStringLiteral("x «c| a  b » y"));
        // 2.2 emphasis
        row("bold", QStringLiteral("a **b c** d"), QStringLiteral("a «b|b c» d"));
        row("italic star", QStringLiteral("*it*"), QStringLiteral("«i|it»"));
        row("italic underscore", QStringLiteral("_it_ ok"), QStringLiteral("«i|it» ok"));
        row("snake_case", QStringLiteral("snake_case_name"), QStringLiteral("snake_case_name"));
        row("arithmetic", QStringLiteral("2*3*4"), QStringLiteral("2*3*4"));
        row("spaced stars", QStringLiteral("a * b * c"), QStringLiteral("a * b * c"));
        row("unclosed bold", QStringLiteral("**a*"), QStringLiteral("**a*"));
        row("empty bold", QStringLiteral("****"), QStringLiteral("****"));
        row("triple stars", QStringLiteral("***x***"), QStringLiteral("«b|*x»*"));
        row("bold in italic", QStringLiteral("_a **b** c_"), QStringLiteral("«i|a «b|b» c»"));
        row("italic in bold", QStringLiteral("**a *b* c**"), QStringLiteral("«b|a «i|b» c»"));
        row("double underscore", QStringLiteral("__init__"), QStringLiteral("__init__"));
        row("closer before a letter", QStringLiteral("_a_b"), QStringLiteral("_a_b"));
        row("opener after a letter", QStringLiteral("word*not*"), QStringLiteral("word*not*"));
        row("opener before space", QStringLiteral("* a*"), QStringLiteral("* a*"));
        row("unicode letters", QStringLiteral("é*x*"), QStringLiteral("é*x*"));
        row("punctuation around", QStringLiteral("(**yes**)."), QStringLiteral("(«b|yes»)."));
        // atoms: markers inside code and links are not markers; spans may hold whole atoms
        row("markers in code", QStringLiteral("*a `*` b*"), QStringLiteral("«i|a «c|*» b»"));
        row("bold code", QStringLiteral("**`code`**"), QStringLiteral("«b|«c|code»»"));
        row("link", QStringLiteral("see https://x.org/a_b_c ok"),
            QStringLiteral("see «a|https://x.org/a_b_c» ok"));
        row("italic link", QStringLiteral("*https://x.org/a*"),
            QStringLiteral("«i|«a|https://x.org/a»»"));
        row("bold link", QStringLiteral("**https://x.org/a**"),
            QStringLiteral("«b|«a|https://x.org/a»»"));
        row("mention stays text", QStringLiteral("**@Ana**"), QStringLiteral("«b|@Ana»"));
        // user text that looks like markup is text
        row("html", QStringLiteral("<b>x</b> <img src=/etc/passwd> &amp;"),
            QStringLiteral("<b>x</b> <img src=/etc/passwd> &amp;"));
        row("html in bold", QStringLiteral("**<img src=/etc/passwd>**"),
            QStringLiteral("«b|<img src=/etc/passwd>»"));
    }

    void inlineRules()
    {
        QFETCH(QString, line);
        QFETCH(QString, tree);
        QCOMPARE(write(formatLine(line)), tree);
    }

    void blocks_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("blocks");
        auto row = [](const char *name, const QString &text, const QString &blocks) {
            QTest::newRow(name) << text << blocks;
        };
        row("lines", QStringLiteral("a\nb"), QStringLiteral("a/b"));
        row("crlf", QStringLiteral("a\r\nb\r"), QStringLiteral("a/b\r"));
        row("empty line kept", QStringLiteral("a\n\nb"), QStringLiteral("a//b"));
        row("fence", QStringLiteral("x\n```js\nlet a = `x` **b**;\n  indented\n```\ny"),
            QStringLiteral("x | [code]let a = `x` **b**;/  indented | y"));
        row("fence closing with spaces", QStringLiteral("```\na\n```  "),
            QStringLiteral("[code]a"));
        row("empty code block", QStringLiteral("```\n```"), QStringLiteral("[code]"));
        row("label too long", QStringLiteral("```abcdefghijklmnopqrstu\nx\n```"),
            QStringLiteral("```abcdefghijklmnopqrstu/x/```"));
        row("unclosed fence is text", QStringLiteral("```\nhi *x*"),
            QStringLiteral("```/hi «i|x»"));
        row("quote", QStringLiteral("> quoted *it*\n>\n> two\nafter"),
            QStringLiteral("[quote]quoted «i|it»//two | after"));
        row("no nesting", QStringLiteral("> > x"), QStringLiteral("[quote]> x"));
        row("message reference", QStringLiteral(">> #12 yes"), QStringLiteral(">> #12 yes"));
        row("no space", QStringLiteral(">x"), QStringLiteral(">x"));
        row("fence in quote is text", QStringLiteral("> ```\n> a\n> ```"),
            QStringLiteral("[quote]```/a/```"));
        row("html quote", QStringLiteral("> <img src=/etc/passwd>"),
            QStringLiteral("[quote]<img src=/etc/passwd>"));
    }

    void blocks()
    {
        QFETCH(QString, text);
        QFETCH(QString, blocks);
        QCOMPARE(write(formatMessage(text)), blocks);
    }

    // Markers that form a span are not shown; every other character is.
    void shownCharacters()
    {
        QCOMPARE(shownText(formatLine(QStringLiteral("a **b** `c` _d_ 2*3"))),
                 QStringLiteral("a b c d 2*3"));
    }
};

QTEST_MAIN(TestMessageFormat)
#include "tst_messageformat.moc"

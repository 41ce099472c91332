// The XML reader: what AWS responses use parses, everything risky (DOCTYPE, unknown
// entities, deep nesting, broken structure) is refused with Status::invalid.
#include "cloudprovider/aws/transport/xml_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace gantry::cloudprovider::aws {
namespace {

TEST(XmlReaderTest, ParsesElementsTextAndNamespaces) {
  auto doc = parseXml(R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- leading comment -->
<ec2:Root xmlns:ec2="http://ec2.amazonaws.com/doc/2016-11-15/" a='1'>
  <name>  value  </name>
  <list><item>a</item><item>b</item><other/></list>
  <empty></empty>
</ec2:Root>
)");
  ASSERT_TRUE(doc.has_value()) << doc.error().toString();
  EXPECT_EQ(doc->name, "Root");
  EXPECT_EQ(doc->textAt("name"), "value");
  EXPECT_EQ(doc->textAt("missing/x"), "");
  ASSERT_EQ(doc->items("list").size(), 2u);
  EXPECT_EQ(doc->items("list")[1]->text, "b");
  EXPECT_NE(doc->find("list/other"), nullptr);
  EXPECT_EQ(doc->textAt("empty"), "");
}

TEST(XmlReaderTest, DecodesEntitiesAndCdata) {
  auto doc = parseXml("<a>&lt;x&gt; &amp; &quot;&apos; &#65;&#x42;&#x20AC;<![CDATA[<raw&>]]></a>");
  ASSERT_TRUE(doc.has_value()) << doc.error().toString();
  EXPECT_EQ(doc->text, "<x> & \"' AB\xE2\x82\xAC<raw&>");
}

TEST(XmlReaderTest, AcceptsBomAndSelfClosingRoot) {
  auto doc = parseXml("\xEF\xBB\xBF<a/>");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->name, "a");
}

TEST(XmlReaderTest, RefusesMalformedDocuments) {
  for (const char* bad : {"",
                          "   ",
                          "text",
                          "<a>",
                          "<a></b>",
                          "<a><b></a></b>",
                          "<a></a><b/>",
                          "<a>&unknown;</a>",
                          "<a>&#0;</a>",
                          "<a>&#xD800;</a>",
                          "<a>&#x110000;</a>",
                          "<a>&amp</a>",
                          "<a b></a>",
                          "<a b=c></a>",
                          "<a b=\"1\"c=\"2\"/>",
                          "<a><!-- x </a>",
                          "<a><![CDATA[x</a>",
                          "<?xml",
                          "<1a/>",
                          "</a>",
                          "<a>x</a>trailing",
                          "<a b=\"<\"/>"}) {
    EXPECT_FALSE(parseXml(bad).has_value()) << "accepted: " << bad;
  }
}

TEST(XmlReaderTest, RefusesDoctype) {
  auto doc = parseXml(R"(<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>)");
  ASSERT_FALSE(doc.has_value());
  EXPECT_TRUE(doc.error().isInvalid());
}

TEST(XmlReaderTest, BoundsDepthAndNodeCount) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_FALSE(parseXml(deep).has_value());
  EXPECT_TRUE(parseXml(deep, {.maxDepth = 200}).has_value());

  std::string wide = "<a>";
  for (int i = 0; i < 50; ++i) wide += "<b/>";
  wide += "</a>";
  EXPECT_FALSE(parseXml(wide, {.maxNodes = 10}).has_value());
  EXPECT_TRUE(parseXml(wide).has_value());
}

}  // namespace
}  // namespace gantry::cloudprovider::aws

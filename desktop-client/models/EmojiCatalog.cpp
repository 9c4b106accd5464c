#include "EmojiCatalog.h"

namespace ic::desktop::emoji {
namespace {

// One emoji per line: the glyph, then its keywords. Written by hand (see the header).
const char16_t table[] = uR"(😀 grinning smile happy face joy
😃 smiley smile happy grin open
😄 smile happy joy laugh grin
😁 beaming grin teeth happy
😆 laughing lol haha grin squint
😅 sweat smile relief nervous phew
🤣 rofl rolling floor laughing lol
😂 joy tears laughing lol crying funny
🙂 slightly smiling smile ok
🙃 upside down silly sarcasm
😉 wink flirt joke
😊 blush smiling happy shy
😇 innocent halo angel
🥰 love hearts smiling adore
😍 heart eyes love crush
🤩 star struck wow amazing excited
😘 kiss blowing love
😗 kissing whistle
😚 kissing closed eyes
😋 yum delicious tasty tongue
😛 tongue playful
😜 winking tongue crazy joke
🤪 zany crazy goofy wild
😝 squinting tongue silly
🤑 money mouth rich dollar
🤗 hugging hug thanks
🤭 hand over mouth oops giggle
🤫 shushing quiet secret shh
🤔 thinking hmm wonder consider
🤐 zipper mouth secret quiet
🤨 raised eyebrow skeptical doubt
😐 neutral meh blank
😑 expressionless meh annoyed
😶 no mouth speechless silent
😏 smirk smug sly
😒 unamused bored meh side eye
🙄 eye roll rolling eyes whatever
😬 grimacing awkward yikes
😌 relieved calm peaceful
😔 pensive sad thoughtful
😪 sleepy tired
🤤 drooling hungry want
😴 sleeping zzz tired bored
😷 mask sick ill covid
🤒 thermometer sick fever ill
🤕 bandage hurt injured
🤢 nauseated sick gross
🤮 vomiting sick gross puke
🤧 sneezing sick cold tissue
🥵 hot heat sweating
🥶 cold freezing frozen ice
🥴 woozy dizzy drunk
😵 dizzy dead knocked
🤯 exploding head mind blown shocked
🤠 cowboy hat yeehaw
🥳 partying party celebrate birthday
😎 cool sunglasses awesome
🤓 nerd geek glasses
🧐 monocle curious inspect
😕 confused unsure
😟 worried concerned
🙁 frowning sad
😮 open mouth surprised wow
😯 hushed surprised
😲 astonished shocked wow
😳 flushed embarrassed blush
🥺 pleading puppy eyes please
😦 frowning open mouth
😧 anguished
😨 fearful scared afraid
😰 anxious sweat nervous
😥 sad relieved disappointed
😢 crying sad tear
😭 sobbing crying sad loudly
😱 screaming fear scared horror
😖 confounded frustrated
😣 persevering struggle
😞 disappointed sad
😓 downcast sweat tired
😩 weary tired exhausted
😫 tired exhausted
🥱 yawning bored tired sleepy
😤 triumph huff steam angry
😡 pouting angry rage mad
😠 angry mad grumpy
🤬 cursing swearing angry
😈 smiling devil evil horns
👿 angry devil imp
💀 skull dead dying lol
☠️ skull crossbones danger poison
💩 poop pile
🤡 clown joker
👹 ogre monster
👻 ghost boo halloween
👽 alien ufo space
🤖 robot bot machine
😺 cat smiling
😸 cat grinning
😹 cat joy tears
😻 cat heart eyes love
🙈 see no evil monkey shy
🙉 hear no evil monkey
🙊 speak no evil monkey oops
👋 wave hello hi bye hand
🤚 raised back hand
✋ raised hand stop high five
🖖 vulcan salute spock
👌 ok okay perfect fine
🤌 pinched fingers italian
🤏 pinching small tiny little
✌️ victory peace two
🤞 crossed fingers luck hope
🤟 love you gesture
🤘 rock horns metal
🤙 call me shaka hang loose
👈 point left backhand
👉 point right backhand
👆 point up backhand
👇 point down backhand
☝️ index up one
👍 thumbs up like yes approve good +1
👎 thumbs down dislike no bad -1
✊ raised fist power
👊 fist bump punch
🤛 left fist bump
🤜 right fist bump
👏 clapping applause bravo congrats
🙌 raising hands hooray celebrate
👐 open hands
🤲 palms up together
🤝 handshake deal agreement
🙏 folded hands please thanks pray
✍️ writing hand
💅 nail polish sassy
💪 flexed biceps strong muscle
🧠 brain smart think
👀 eyes look watching
👁️ eye see
👅 tongue
👄 mouth lips
👶 baby child
🧒 child kid
👦 boy
👧 girl
🧑 person adult
👨 man
👩 woman
🧓 older person
👴 old man grandpa
👵 old woman grandma
🙋 raising hand question me
🙅 no gesture stop
🙆 ok gesture
🤷 shrug dunno whatever idk
🤦 facepalm disbelief ugh
🙇 bowing sorry respect
💁 tipping hand information sassy
🧑‍💻 technologist developer coder programmer laptop
👩‍💻 woman technologist developer coder
👨‍💻 man technologist developer coder
🧑‍🎓 student graduate
🧑‍🏫 teacher
🧑‍🍳 cook chef
🥷 ninja stealth
🦸 superhero hero
🧙 mage wizard magic
🧛 vampire
🧟 zombie
🎅 santa christmas
🏃 running run hurry
💃 dancing dance woman
🕺 dancing man disco
❤️ red heart love
🧡 orange heart
💛 yellow heart
💚 green heart
💙 blue heart
💜 purple heart
🖤 black heart
🤍 white heart
🤎 brown heart
💔 broken heart sad
❣️ heart exclamation
💕 two hearts love
💞 revolving hearts
💓 beating heart
💗 growing heart
💖 sparkling heart
💘 heart arrow cupid
💝 heart ribbon gift
💯 hundred perfect score 100
💢 anger symbol
💥 collision boom bang
💫 dizzy stars
💦 sweat droplets water
💨 dashing away fast wind
💬 speech balloon chat comment
💭 thought balloon thinking
💤 zzz sleep
🐶 dog puppy
🐱 cat kitten
🐭 mouse
🐹 hamster
🐰 rabbit bunny
🦊 fox
🐻 bear
🐼 panda
🐨 koala
🐯 tiger
🦁 lion
🐮 cow
🐷 pig
🐸 frog
🐵 monkey
🐔 chicken
🐧 penguin
🐦 bird
🐤 chick baby bird
🦆 duck
🦅 eagle
🦉 owl
🦇 bat
🐺 wolf
🐗 boar
🐴 horse
🦄 unicorn magic
🐝 bee honeybee
🐛 bug caterpillar
🦋 butterfly
🐌 snail slow
🐞 ladybug beetle
🐜 ant
🕷️ spider
🐢 turtle slow
🐍 snake
🦎 lizard
🐙 octopus
🦑 squid
🦀 crab
🐠 tropical fish
🐟 fish
🐬 dolphin
🐳 whale
🦈 shark
🐊 crocodile
🐘 elephant
🦒 giraffe
🐪 camel
🐑 sheep
🐐 goat
🦔 hedgehog
🐿️ squirrel chipmunk
🌵 cactus desert
🎄 christmas tree
🌲 evergreen tree pine
🌳 tree deciduous
🌴 palm tree beach
🌱 seedling sprout grow
🌿 herb plant
🍀 four leaf clover luck
🍁 maple leaf autumn canada
🍂 fallen leaves autumn fall
🌷 tulip flower
🌹 rose flower
🌻 sunflower
🌸 cherry blossom flower spring
💐 bouquet flowers
🍄 mushroom
🌍 earth globe europe africa world
🌎 earth globe americas world
🌏 earth globe asia world
🌙 crescent moon night
⭐ star
🌟 glowing star shine
✨ sparkles shiny magic new
⚡ lightning zap electric fast
🔥 fire hot lit flame
🌈 rainbow pride
☀️ sun sunny weather
⛅ sun behind cloud weather
☁️ cloud weather
🌧️ rain cloud weather
⛈️ thunderstorm storm weather
❄️ snowflake snow cold winter
☃️ snowman winter
🌊 wave water ocean sea
☔ umbrella rain
🍏 green apple fruit
🍎 red apple fruit
🍐 pear fruit
🍊 orange tangerine fruit
🍋 lemon fruit sour
🍌 banana fruit
🍉 watermelon fruit summer
🍇 grapes fruit
🍓 strawberry fruit
🍒 cherries fruit
🍑 peach fruit
🥭 mango fruit
🍍 pineapple fruit
🥥 coconut
🥝 kiwi fruit
🍅 tomato
🥑 avocado
🍆 eggplant aubergine
🥕 carrot vegetable
🌽 corn maize
🌶️ hot pepper chili spicy
🥦 broccoli vegetable
🧄 garlic
🧅 onion
🥔 potato
🍞 bread loaf
🥐 croissant
🥨 pretzel
🧀 cheese
🥚 egg
🍳 cooking fried egg breakfast
🥞 pancakes breakfast
🥓 bacon
🍔 hamburger burger
🍟 fries french chips
🍕 pizza slice
🌭 hot dog
🥪 sandwich
🌮 taco mexican
🌯 burrito wrap
🥗 salad green healthy
🍝 spaghetti pasta
🍜 ramen noodles soup
🍣 sushi japanese
🍱 bento box lunch
🥟 dumpling
🍚 rice bowl
🍛 curry rice
🍦 ice cream soft serve
🍩 doughnut donut
🍪 cookie biscuit
🎂 birthday cake party
🍰 cake shortcake slice
🧁 cupcake muffin
🍫 chocolate bar
🍬 candy sweet
🍭 lollipop candy
🍿 popcorn movie watching
☕ coffee hot beverage tea
🍵 tea green cup
🧃 juice box
🥤 cup straw soda drink
🍺 beer mug cheers
🍻 beers clinking cheers
🥂 clinking glasses champagne cheers toast
🍷 wine glass
🥃 whisky tumbler glass
🍸 cocktail martini
🍾 champagne bottle celebrate
⚽ soccer football ball
🏀 basketball ball
🏈 american football
⚾ baseball ball
🎾 tennis ball
🏐 volleyball
🏓 ping pong table tennis
🏸 badminton
🥅 goal net
⛳ golf flag
🎣 fishing rod
🎿 ski skiing
🏆 trophy winner champion cup
🥇 first place gold medal winner
🥈 second place silver medal
🥉 third place bronze medal
🏅 medal sports
🎯 direct hit target bullseye goal
🎮 video game controller gaming
🕹️ joystick game arcade
🎲 dice game chance random
🧩 puzzle piece jigsaw
♟️ chess pawn strategy
🎨 art palette paint drawing
🎬 clapper movie film action
🎤 microphone sing karaoke
🎧 headphones music listen
🎵 musical note music
🎶 musical notes music song
🎸 guitar music rock
🎹 piano keyboard music
🥁 drum music
🎉 party popper tada celebrate congrats
🎊 confetti ball celebrate
🎈 balloon party birthday
🎁 gift present birthday
🎀 ribbon bow
🎃 jack o lantern pumpkin halloween
🎆 fireworks celebrate new year
🚗 car automobile drive
🚕 taxi cab
🚌 bus
🚑 ambulance emergency
🚒 fire engine truck
🚓 police car
🚲 bicycle bike
🛴 scooter kick
🏍️ motorcycle
🚂 locomotive train steam
🚆 train rail
✈️ airplane plane flight travel
🚀 rocket launch ship deploy space
🛸 flying saucer ufo
🚁 helicopter
⛵ sailboat boat
🚢 ship cruise
⚓ anchor
🚧 construction work in progress wip
🚦 traffic light
🗺️ world map travel
🏠 house home
🏡 house garden home
🏢 office building work
🏥 hospital
🏫 school
🏰 castle
⛺ tent camping
🗽 statue of liberty new york
🗼 tokyo tower
⌚ watch time
📱 mobile phone smartphone
💻 laptop computer
⌨️ keyboard typing
🖥️ desktop computer monitor
🖨️ printer
🖱️ computer mouse
💾 floppy disk save
💿 optical disc cd
📷 camera photo
🎥 movie camera film video
📺 television tv
📻 radio
⏰ alarm clock time wake
⏳ hourglass waiting time
⌛ hourglass done time
🔋 battery power
🔌 electric plug power
💡 light bulb idea
🔦 flashlight torch
🕯️ candle
🧯 fire extinguisher
💸 money wings spend
💵 dollar banknote money cash
💰 money bag rich
💳 credit card payment
💎 gem diamond jewel
⚖️ balance scale justice law
🔧 wrench tool fix
🔨 hammer tool build
🛠️ hammer wrench tools build fix
⚙️ gear settings cog config
🔩 nut bolt
🧰 toolbox
🧲 magnet
🧪 test tube experiment science
🔬 microscope science lab
🔭 telescope space
📡 satellite antenna signal
💉 syringe vaccine injection
💊 pill medicine drug
🩹 adhesive bandage plaster
🚪 door
🛏️ bed sleep
🛋️ couch sofa
🚽 toilet
🚿 shower
🛒 shopping cart trolley
🚬 cigarette smoking
🗑️ wastebasket trash bin delete
🔑 key password lock
🗝️ old key
🔒 locked lock secure private
🔓 unlocked open
🛡️ shield security protect
📦 package box parcel release ship
📫 mailbox mail post
📧 email mail message
✉️ envelope letter mail
📝 memo note write todo
📄 page document file
📃 page curl document
📑 bookmark tabs
📊 bar chart statistics stats
📈 chart increasing growth up trend
📉 chart decreasing down loss
📅 calendar date schedule
📆 tear off calendar date
🗓️ spiral calendar plan
📌 pushpin pin important
📍 round pushpin location place
📎 paperclip attachment
✂️ scissors cut
🖊️ pen write
✏️ pencil write edit
🖍️ crayon draw
📏 ruler straight measure
📐 triangular ruler
📚 books library read study
📖 open book read
🔖 bookmark
🏷️ label tag
🔍 magnifying glass search find
🔗 link chain url
🧾 receipt bill
📣 megaphone announce loud
📢 loudspeaker announcement
🔔 bell notification ring
🔕 bell slash mute silent
🎙️ studio microphone podcast
✅ check mark button done yes ok
☑️ check box ballot done
✔️ check mark done correct
❌ cross mark no wrong cancel
❎ cross mark button no
➕ plus add
➖ minus subtract
➗ divide division
✖️ multiply times
❓ question mark red
❔ question mark white
❗ exclamation mark important
‼️ double exclamation
⁉️ exclamation question interrobang
⚠️ warning caution alert
🚫 prohibited forbidden no ban
⛔ no entry stop
🛑 stop sign
♻️ recycling recycle green
🔴 red circle
🟠 orange circle
🟡 yellow circle
🟢 green circle
🔵 blue circle
🟣 purple circle
⚫ black circle
⚪ white circle
🟥 red square
🟩 green square
🟦 blue square
⬆️ up arrow
⬇️ down arrow
⬅️ left arrow
➡️ right arrow
🔄 counterclockwise arrows refresh reload sync
🔁 repeat loop again
🔀 shuffle random
▶️ play button start
⏸️ pause button
⏹️ stop button
⏩ fast forward
⏪ rewind
🆗 ok button
🆕 new button
🆒 cool button
🆘 sos help emergency
🆙 up button
🔝 top arrow
🔜 soon arrow
ℹ️ information info
#️⃣ hash number sign
0️⃣ zero keycap
1️⃣ one keycap
2️⃣ two keycap
3️⃣ three keycap
🔟 ten keycap
🏁 chequered flag finish race done
🚩 triangular flag red warning
🏳️ white flag surrender
🏴 black flag
🏳️‍🌈 rainbow flag pride
🇪🇺 european union eu flag
🇺🇳 united nations un flag
)";

QList<Entry> parse()
{
    QList<Entry> out;
    const QString text = QString::fromUtf16(table);
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (words.size() < 2)
            continue;
        Entry e;
        e.glyph = words.takeFirst();
        for (QString &w : words)
            w = w.toLower();
        e.keywords = words;
        out << e;
    }
    return out;
}

bool wordMatches(const QString &word, const QStringList &keywords)
{
    for (const QString &k : keywords) {
        // Prefix match for what the user is typing; a substring only from three letters on,
        // so "ar" does not match half the list but "phone" still finds "smartphone".
        if (k.startsWith(word) || (word.size() >= 3 && k.contains(word)))
            return true;
    }
    return false;
}

} // namespace

const QList<Entry> &all()
{
    static const QList<Entry> entries = parse();
    return entries;
}

QList<Entry> search(const QString &query)
{
    const QStringList words = query.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.isEmpty())
        return all();
    QList<Entry> out;
    for (const Entry &e : all()) {
        bool ok = true;
        for (const QString &w : words) {
            // Typing the emoji itself finds it too.
            if (w != e.glyph && !wordMatches(w, e.keywords)) {
                ok = false;
                break;
            }
        }
        if (ok)
            out << e;
    }
    return out;
}

} // namespace ic::desktop::emoji

"""Places a question can fix: countries with their other names and adjectives, and the
cities and regions that belong to each (a small built-in gazetteer, no data download).

A question that names a place ("the heat wave in Egypt", "a camel crash near Najran") is
answered only by an article about that place: another country's heat wave or another
city's crash is a near miss, the commonest confident wrong answer of a word-overlap
ranking. ``fixed(words)`` gives, for each question word that names a place, the stems an
article may hold to be about it: the place's own forms and adjectives and, for a country,
its cities'. Stems come from the answer index's stemmer (``answer_terms``), so the nisba
(المصري، الهندية) in an article meets the name in a question.

Left out on purpose: names that are common words as well (الخبر "the news" / al-Khobar,
صور "pictures" / Tyre, المدينة "the city" / Medina, المملكة "the kingdom"), and names
of more than one word (only their one-word forms are listed: أبوظبي, not أبو ظبي).

Story grouping asks where a report happens: ``named(headline)`` gives the places an Arabic
headline names, ``held(stems)`` every place an article's terms hold (see ``storymatch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from . import answer_terms as terms
from .text import fold

# One country per line: its names and adjectives, then "|" and its cities and regions
# (several spellings each, as the press writes them; "*" marks the capital, which also
# stands for its country: "Washington says"; "~" an adjective, which names no place in a
# question). The same in English after "||". An indented line goes on the one above.
_GAZETTEER = """
السعودية ~سعودي | *الرياض جدة مكة الطائف الدمام القطيف الأحساء الاحساء الهفوف الجبيل ينبع رابغ
    تبوك أبها ابها مشيط بيشة نجران جازان جيزان القنفذة الباحة حائل القصيم بريدة عنيزة الرس الجوف
    سكاكا عرعر طريف القريات الظهران الخفجي الدوادمي الخرج المجمعة الزلفي ضباء أملج تيماء الدرعية
    || saudi | *riyadh jeddah mecca makkah taif dammam qatif ahsa hofuf jubail yanbu tabuk abha
    najran jazan jizan baha hail qassim buraidah jouf sakaka arar dhahran khafji
مصر ~مصري | *القاهرة الإسكندرية الاسكندرية الجيزة أسوان اسوان الأقصر الاقصر بورسعيد السويس
    الإسماعيلية الاسماعيلية سيناء المنصورة طنطا الفيوم أسيوط اسيوط المنيا سوهاج دمياط الغردقة
    شرم || egypt ~egyptian | *cairo alexandria giza aswan luxor suez ismailia sinai mansoura
الإمارات الامارات ~إماراتي ~اماراتي | *أبوظبي *ابوظبي دبي الشارقة عجمان الفجيرة || emirates
    ~emirati uae | dubai sharjah ajman fujairah
الكويت ~كويتي | الجهراء الأحمدي الاحمدي || kuwait ~kuwaiti
قطر ~قطري | *الدوحة الوكرة || qatar ~qatari | *doha
البحرين ~بحريني | *المنامة المحرق || bahrain ~bahraini | *manama
عمان ~عماني | *مسقط صلالة صحار نزوى ظفار || oman ~omani | *muscat salalah
اليمن ~يمني | *صنعاء عدن تعز الحديدة مأرب مارب صعدة حضرموت المكلا لحج أبين ابين شبوة إب الضالع
    المهرة سقطرى المخا || yemen ~yemeni | *sanaa aden taiz hodeidah marib saada hadramout
    mukalla lahj abyan shabwa
العراق ~عراقي | *بغداد البصرة الموصل أربيل اربيل كركوك الأنبار الانبار الفلوجة تكريت النجف
    كربلاء السليمانية دهوك ديالى سامراء كردستان || iraq ~iraqi | *baghdad basra mosul erbil
    irbil kirkuk anbar ramadi fallujah tikrit najaf karbala sulaimaniyah kurdistan
سوريا سورية ~سوري | *دمشق حلب حمص اللاذقية طرطوس إدلب ادلب درعا الرقة الحسكة القامشلي القنيطرة
    السويداء الزبداني كوباني || syria ~syrian | *damascus aleppo homs latakia tartus idlib daraa
    raqqa hasakah qamishli palmyra zabadani kobani
لبنان ~لبناني | *بيروت طرابلس بعلبك البقاع عرسال زحلة || lebanon ~lebanese | *beirut sidon
    baalbek bekaa arsal
الأردن الاردن ~أردني ~اردني | *عمان إربد اربد الكرك || jordan ~jordanian | *amman zarqa irbid
    aqaba
فلسطين ~فلسطيني | *القدس غزة نابلس أريحا اريحا قلقيلية طولكرم رفح الضفة || palestine
    ~palestinian | *jerusalem gaza ramallah hebron nablus jenin bethlehem jericho rafah
إسرائيل اسرائيل ~إسرائيلي ~اسرائيلي | تل أبيب ابيب حيفا يافا || israel ~israeli | tel aviv haifa
تركيا ~تركي | *أنقرة *انقرة إسطنبول اسطنبول أزمير ازمير أضنة اضنة سروج عنتاب شانلي أورفة اورفة
    هاتاي كلس || turkey ~turkish | *ankara istanbul izmir adana diyarbakir suruc gaziantep hatay
    kilis
إيران ايران ~إيراني ~ايراني | *طهران أصفهان اصفهان شيراز تبريز قم الأحواز الاحواز الأهواز
    الاهواز || iran ~iranian | *tehran mashhad isfahan shiraz tabriz qom ahvaz
ليبيا ~ليبي | *طرابلس بنغازي مصراتة درنة طبرق سبها الزنتان || libya ~libyan | *tripoli benghazi
    misrata sirte derna tobruk sabha
تونس ~تونسي | صفاقس سوسة القيروان بنزرت قابس القصرين بوزيد المنستير || tunisia ~tunisian | tunis
    sfax sousse kairouan bizerte
الجزائر ~جزائري | وهران قسنطينة عنابة تلمسان البليدة غرداية || algeria ~algerian | algiers oran
    constantine annaba
المغرب ~مغربي | *الرباط مراكش طنجة أغادير اغادير مكناس تطوان || morocco ~moroccan | *rabat
    casablanca fez marrakech tangier agadir
موريتانيا ~موريتاني | *نواكشوط || mauritania ~mauritanian | *nouakchott
السودان ~سوداني | *الخرطوم درمان دارفور بورتسودان كردفان || sudan ~sudanese | *khartoum omdurman
    darfur
الصومال ~صومالي | *مقديشو هرجيسا بونتلاند || somalia ~somali | *mogadishu
جيبوتي || djibouti
أفغانستان افغانستان ~أفغاني ~افغاني | *كابل قندهار هرات فارياب هلمند قندوز بكتيا ننكرهار غزني ||
    afghanistan ~afghan | *kabul kandahar herat helmand kunduz faryab
باكستان ~باكستاني | كراتشي لاهور بيشاور كويتا وزيرستان || pakistan ~pakistani | islamabad
    karachi lahore peshawar quetta waziristan
الهند ~هندي | *نيودلهي *دلهي مومباي كلكتا بنغالور كشمير || india ~indian | *delhi mumbai kolkata
    bangalore kashmir
بنغلاديش بنجلاديش ~بنغلاديشي || bangladesh ~bangladeshi | dhaka
الصين ~صيني | *بكين شنغهاي شنجهاي هونغ كونغ ووهان تيانجين || china ~chinese | *beijing shanghai
اليابان ~ياباني | *طوكيو أوساكا اوساكا هيروشيما || japan ~japanese | *tokyo osaka hiroshima
كوريا ~كوري | *سول بيونغ يانغ || korea ~korean | *seoul pyongyang
روسيا ~روسي | *موسكو بطرسبرغ الشيشان غروزني القرم سوتشي || russia ~russian | *moscow petersburg
    chechnya grozny crimea sochi
أوكرانيا اوكرانيا ~أوكراني ~اوكراني | *كييف دونيتسك لوغانسك || ukraine ~ukrainian | *kiev *kyiv
    donetsk luhansk
أمريكا امريكا أميركا اميركا ~أمريكي ~امريكي ~أميركي ~اميركي | *واشنطن نيويورك كاليفورنيا فلوريدا
    تكساس شيكاغو لوس بوسطن فيرجينيا ميامي أتلانتا اتلانتا || america ~american usa | *washington
    york california florida texas chicago boston virginia miami atlanta
كندا ~كندي | *أوتاوا *اوتاوا تورونتو مونتريال فانكوفر || canada ~canadian | *ottawa toronto
    montreal vancouver
بريطانيا ~بريطاني إنجلترا انجلترا إنكلترا انكلترا | *لندن مانشستر ليفربول برمنغهام برمنجهام
    اسكتلندا ويلز || britain ~british england | *london manchester liverpool birmingham scotland
    wales
فرنسا ~فرنسي | *باريس مرسيليا ليون نيس بوردو || france ~french | *paris marseille lyon bordeaux
ألمانيا المانيا ~ألماني ~الماني | *برلين ميونخ هامبورغ فرانكفورت كولونيا دورتموند || germany
    ~german | *berlin munich hamburg frankfurt cologne dortmund
إيطاليا ايطاليا ~إيطالي ~ايطالي | *روما ميلانو ميلان نابولي تورينو فلورنسا البندقية || italy
    ~italian | *rome milan naples turin florence venice
إسبانيا اسبانيا ~إسباني ~اسباني | *مدريد برشلونة إشبيلية اشبيلية فالنسيا || spain ~spanish |
    *madrid barcelona seville valencia
البرتغال ~برتغالي | *لشبونة بورتو || portugal ~portuguese | *lisbon porto
اليونان ~يوناني | *أثينا *اثينا || greece ~greek | *athens
هولندا ~هولندي | *أمستردام *امستردام لاهاي روتردام || netherlands ~dutch holland | *amsterdam
    hague rotterdam
بلجيكا ~بلجيكي | *بروكسل || belgium ~belgian | *brussels
سويسرا ~سويسري | جنيف زيوريخ لوزان *برن || switzerland ~swiss | geneva zurich lausanne *bern
النمسا ~نمساوي | *فيينا || austria ~austrian | *vienna
السويد ~سويدي | *ستوكهولم || sweden ~swedish | *stockholm
النرويج ~نرويجي | *أوسلو *اوسلو || norway ~norwegian | *oslo
الدنمارك ~دنماركي | *كوبنهاغن *كوبنهاجن || denmark ~danish | *copenhagen
بولندا ~بولندي | *وارسو || poland ~polish | *warsaw
إندونيسيا اندونيسيا ~إندونيسي ~اندونيسي | *جاكرتا || indonesia ~indonesian | *jakarta bali
ماليزيا ~ماليزي | *كوالالمبور || malaysia ~malaysian | kuala lumpur
الفلبين ~فلبيني | *مانيلا || philippines ~filipino | *manila
تايلاند تايلندا ~تايلاندي | *بانكوك || thailand ~thai | *bangkok
سريلانكا || lanka | colombo
نيبال ~نيبالي | *كاتماندو || nepal ~nepalese | *kathmandu
ميانمار بورما || myanmar burma
البرازيل ~برازيلي | *برازيليا ساو ريو || brazil ~brazilian | *brasilia paulo rio
الأرجنتين الارجنتين ~أرجنتيني ~ارجنتيني | بوينس || argentina ~argentine ~argentinian | buenos
المكسيك ~مكسيكي | *مكسيكو || mexico ~mexican
كوبا ~كوبي | *هافانا || cuba ~cuban | *havana
فنزويلا | *كاراكاس || venezuela ~venezuelan | *caracas
تشيلي | *سانتياغو || chile ~chilean | *santiago
أستراليا استراليا ~أسترالي ~استرالي | سيدني ملبورن *كانبيرا || australia ~australian | sydney
    melbourne *canberra
إثيوبيا اثيوبيا ~إثيوبي ~اثيوبي | *أديس || ethiopia ~ethiopian | *addis ababa
إريتريا اريتريا || eritrea ~eritrean | asmara
كينيا ~كيني | *نيروبي مومباسا || kenya ~kenyan | *nairobi mombasa
نيجيريا ~نيجيري | *أبوجا *ابوجا لاغوس بورنو مايدوغوري || nigeria ~nigerian | *abuja lagos borno
    maiduguri
مالي | *باماكو تمبكتو || mali ~malian | *bamako timbuktu
النيجر | *نيامي || niger | *niamey
تشاد ~تشادي | *نجامينا || chad ~chadian
السنغال ~سنغالي | *داكار || senegal ~senegalese | *dakar
أوغندا اوغندا | *كمبالا || uganda | *kampala
تنزانيا || tanzania
الكاميرون | *ياوندي || cameroon
ليبيريا | *مونروفيا || liberia | *monrovia
غينيا | *كوناكري || guinea | *conakry
سيراليون || sierra leone | freetown
غانا ~غاني | *أكرا *اكرا || ghana ~ghanaian | *accra
توغو || togo | *lome
بوركينا || burkina | *ouagadougou
الغابون ~غابوني | *ليبرفيل || gabon | *libreville
الكونغو ~كونغولي | *كينشاسا *برازافيل || congo ~congolese | *kinshasa *brazzaville
رواندا ~رواندي | *كيغالي *كيجالي || rwanda ~rwandan | *kigali
بوروندي || burundi | *bujumbura
زامبيا ~زامبي | *لوساكا || zambia ~zambian | *lusaka
زيمبابوي || zimbabwe ~zimbabwean | *harare
موزمبيق ~موزمبيقي | *مابوتو || mozambique | *maputo
أنغولا انغولا أنجولا انجولا ~أنغولي ~انغولي | *لواندا || angola ~angolan | *luanda
ناميبيا || namibia | *windhoek
مدغشقر || madagascar | *antananarivo
جورجيا ~جورجي | *تبليسي || georgia ~georgian | *tbilisi
أرمينيا ارمينيا ~أرميني ~ارميني | *يريفان || armenia ~armenian | *yerevan
أذربيجان اذربيجان ~أذربيجاني ~اذربيجاني | *باكو || azerbaijan ~azerbaijani | *baku
كازاخستان ~كازاخي | *أستانا *استانا ألماتي الماتي || kazakhstan ~kazakh | *astana almaty
أوزبكستان اوزبكستان ~أوزبكي ~اوزبكي | *طشقند سمرقند || uzbekistan ~uzbek | *tashkent samarkand
تركمانستان ~تركماني || turkmenistan ~turkmen | *ashgabat
طاجيكستان ~طاجيكي | *دوشنبه || tajikistan ~tajik | *dushanbe
قرغيزستان ~قرغيزي | *بيشكيك || kyrgyzstan ~kyrgyz | *bishkek
صربيا ~صربي | *بلغراد || serbia ~serbian | *belgrade
كرواتيا ~كرواتي | *زغرب || croatia ~croatian | *zagreb
البوسنة ~بوسني | *سراييفو || bosnia ~bosnian | *sarajevo
ألبانيا البانيا ~ألباني ~الباني | *تيرانا || albania ~albanian | *tirana
كوسوفو || kosovo | *pristina
رومانيا ~روماني | *بوخارست || romania ~romanian | *bucharest
بلغاريا ~بلغاري || bulgaria ~bulgarian
المجر ~مجري هنغاريا | *بودابست || hungary ~hungarian | *budapest
التشيك ~تشيكي | *براغ || czech | *prague
سلوفاكيا ~سلوفاكي | *براتيسلافا || slovakia ~slovak | *bratislava
فنلندا ~فنلندي | *هلسنكي || finland ~finnish | *helsinki
إيرلندا ايرلندا أيرلندا ~إيرلندي ~ايرلندي ~أيرلندي | *دبلن || ireland ~irish | *dublin
آيسلندا ايسلندا || iceland ~icelandic | *reykjavik
قبرص ~قبرصي | *نيقوسيا || cyprus ~cypriot | *nicosia
مالطا ~مالطي | *فاليتا || malta ~maltese | *valletta
بيلاروسيا ~بيلاروسي | *مينسك || belarus ~belarusian | *minsk
فيتنام ~فيتنامي | *هانوي || vietnam ~vietnamese | *hanoi
كمبوديا ~كمبودي | *بنوم || cambodia ~cambodian | *phnom
سنغافورة ~سنغافوري || singapore
منغوليا ~منغولي || mongolia ~mongolian | *ulaanbaatar
نيوزيلندا ~نيوزيلندي | *ولينغتون || zealand | *wellington auckland
بروناي || brunei
المالديف ~مالديفي || maldives
تايوان ~تايواني | *تايبيه || taiwan ~taiwanese | *taipei
كولومبيا ~كولومبي | *بوغوتا *بوجوتا || colombia ~colombian | *bogota
بيرو ~بيروفي | *ليما || peru ~peruvian | *lima
الإكوادور الاكوادور ~إكوادوري ~اكوادوري | *كيتو || ecuador ~ecuadorian | *quito
بوليفيا ~بوليفي || bolivia ~bolivian
باراغواي باراجواي ~باراغواياني || paraguay ~paraguayan | *asuncion
الأوروغواي الاوروغواي أوروغواي اوروغواي ~أوروغوياني ~اوروغوياني | *مونتيفيديو || uruguay
    ~uruguayan | *montevideo
بنما ~بنمي || panama ~panamanian
كوستاريكا || rica
غواتيمالا ~غواتيمالي || guatemala ~guatemalan
هندوراس || honduras
نيكاراغوا || nicaragua
هايتي || haiti ~haitian
جامايكا ~جامايكي || jamaica ~jamaican
"""


@lru_cache(maxsize=2)
def _lines(arabic: bool) -> list[str]:
    return [line.split("||")[0 if arabic else 1]
            for line in _GAZETTEER.strip().replace("\n    ", " ").splitlines()]


@lru_cache(maxsize=2)
def _names(arabic: bool) -> dict[str, list[tuple[int, str]]]:
    """Each way a question may write a place's name (folded, a preposition attached) ->
    (line, the name as listed) of each place it names (عمان: Oman, and Jordan's capital).
    Only names are stemmed, and only those a question holds (``_place``)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for i, part in enumerate(_lines(arabic)):
        for w in part.replace("|", " ").split():
            if w[0] != "~":
                for surface in _surface(w.lstrip("*"), arabic):
                    out.setdefault(surface, []).append((i, w))
    return out


@lru_cache(maxsize=512)
def _place(arabic: bool, line: int, name: str) -> frozenset[str]:
    """The stems an article about the place ``name`` of ``line`` holds: a country's own
    forms and adjectives and its cities'; a city's own; a capital's and its country's."""
    country, _, cities = _lines(arabic)[line].partition("|")
    own = set().union(*(_forms(w.lstrip("~"), arabic) for w in country.split()))
    if name in country.split():
        return frozenset(own.union(*(_forms(w.lstrip("*"), arabic) for w in cities.split())))
    return frozenset(_forms(name.lstrip("*"), arabic) | (own if name[0] == "*" else set()))


_GLUED = ("", "ب", "ل", "ك", "وب", "ول", "فب", "فل")  # prepositions the stemmer leaves
# on a word (it takes a bare one off none: one starts many names, بريطانيا، لبنان)


def _forms(name: str, arabic: bool) -> set[str]:
    """The stems of a name, and in Arabic of its forms with a preposition attached
    (بجدة، لمصر), which the stemmer leaves whole."""
    bare = name[2:] if arabic and name.startswith("ال") else name
    words = [p + bare if p else name for p in _GLUED] if arabic else [name]
    return {t for w in words for t in terms.sentence_terms(w, arabic)[:1] if len(t) > 2}


def _surface(name: str, arabic: bool) -> frozenset[str]:
    """A name as a question may write it (folded): with a conjunction, a preposition or the
    article attached or taken off (بجدة، والرياض، رياض)."""
    if not arabic:
        return frozenset({name.lower()})
    name = fold(name)
    return terms.with_proclitics(frozenset({name})) | {name.removeprefix("ال")}


def fixed(stems: Mapping[str, str], arabic: bool) -> dict[str, frozenset[str]]:
    """The places a question fixes: of its (folded) words with their stems (``stems``),
    those that name one, by their stem -> the stems an article about the place holds (its
    own forms and adjectives; for a country, its cities'; for a capital, its country's).
    An adjective does not fix a place ("the American space agency" is not about America)."""
    names = _names(arabic)
    return {stem: frozenset().union(*(_place(arabic, i, name) for i, name in names[w]))
            for w, stem in stems.items() if w in names}


# -- where a report happens (story grouping) --------------------------------------------

_NOT_IN_HEADLINES = frozenset({"مالي"})  # "financial" far more often than Mali
_SPELLING = str.maketrans({"غ": "ج", "ق": "ج"})


def _key(line: int, name: str) -> str:
    """One key for a city or region whatever its spelling (برمنغهام / برمنجهام, جيزان /
    جازان): its consonants without the article."""
    bare = fold(name.lstrip("*")).removeprefix("ال").translate(_SPELLING)
    return f"{line}:{re.sub('[اويىءة]', '', bare)}"


@lru_cache(maxsize=1)
def _headline_names() -> dict[str, frozenset[str]]:
    """Each way a headline may write a place's name -> the place: a country (its line
    number), which its capital stands for too, or another city or region (``_key``).
    Adjectives name no place here: الرئيس المصري is a person, القطار الإسباني a train."""
    out: dict[str, set[str]] = {}
    for i, part in enumerate(_lines(True)):
        country, _, cities = part.partition("|")
        names = [(w, str(i)) for w in country.split() if w[0] != "~"]
        names += [(w.lstrip("*"), str(i) if w[0] == "*" else _key(i, w))
                  for w in cities.split()]
        for name, place in names:
            if len(fold(name).removeprefix("ال")) >= 3 and fold(name) not in _NOT_IN_HEADLINES:
                for surface in _surface(name, True):
                    out.setdefault(surface, set()).add(place)
    return {k: frozenset(v) for k, v in out.items()}


def named(headline: str) -> frozenset[str]:
    """The places an Arabic headline names (``_headline_names``); none for other text."""
    names = _headline_names()
    return frozenset().union(*(names.get(w, frozenset()) for w in _WORD.findall(fold(headline))))


_WORD = re.compile("[\u0621-\u064a]+")


@lru_cache(maxsize=1)
def _held() -> dict[str, frozenset[str]]:
    """Each stem of a place's name or adjective (a preposition attached or not) -> the
    places it names; a city's stems name its country too."""
    out: dict[str, set[str]] = {}
    for i, part in enumerate(_lines(True)):
        country, _, cities = part.partition("|")
        for w in country.split():
            for stem in _forms(w.lstrip("~"), True):
                out.setdefault(stem, set()).add(str(i))
        for w in cities.split():
            for stem in _forms(w.lstrip("*"), True):
                out.setdefault(stem, set()).update({str(i), _key(i, w)})
    return {k: frozenset(v) for k, v in out.items()}


def held(stems: Iterable[str]) -> frozenset[str]:
    """Every place an article whose terms are ``stems`` names, as ``named`` gives them."""
    table = _held()
    return frozenset().union(*(table[t] for t in set(stems) if t in table))

"""Sample news paragraphs in 29 languages for the language-identification benchmark.

Written for this benchmark (not taken from any language-identification corpus), three or four
paragraphs per language on everyday news topics: weather, local politics, the economy, sport,
science. ``bench_langid.py`` combines them into documents of realistic lengths; English
documents come from the seed articles. Keys are the ISO 639-1 codes the paragraphs are in.
"""

# Prose data: one paragraph per string reads better than wrapped fragments.
# ruff: noqa: E501

from __future__ import annotations

SAMPLES: dict[str, tuple[str, ...]] = {
    "de": (
        "Nach tagelangen Regenfällen sind in mehreren Gemeinden im Süden des Landes die Flüsse über die Ufer getreten. Die Feuerwehr war die ganze Nacht im Einsatz, um Keller auszupumpen und Straßen abzusperren. Verletzt wurde nach Angaben der Behörden niemand, doch der Schaden an Häusern und Feldern dürfte erheblich sein.",
        "Der Stadtrat hat am Dienstagabend beschlossen, den Ausbau der Straßenbahnlinie bis zum neuen Wohngebiet im Norden zu finanzieren. Die Kosten werden auf rund achtzig Millionen Euro geschätzt. Kritiker bemängeln, dass die Bürger zu spät in die Planung einbezogen worden seien.",
        "Die Inflation ist im vergangenen Monat leicht zurückgegangen, wie das Statistische Bundesamt mitteilte. Vor allem die Preise für Energie und Lebensmittel stiegen langsamer als erwartet. Ökonomen warnen jedoch davor, schon jetzt von einer Trendwende zu sprechen.",
        "Mit einem späten Tor in der Nachspielzeit hat die Mannschaft das Derby für sich entschieden. Der Trainer lobte nach dem Spiel vor allem die Moral seiner jungen Spieler, die trotz des frühen Rückstands nie aufgegeben hätten.",
    ),
    "fr": (
        "Après plusieurs jours de fortes pluies, les rivières sont sorties de leur lit dans une dizaine de communes du sud-ouest. Les pompiers ont évacué une centaine d’habitants pendant la nuit. La préfecture a annoncé l’ouverture d’une cellule de crise et demande aux automobilistes d’éviter les routes inondées.",
        "Le conseil municipal a voté mardi soir le prolongement de la ligne de tramway jusqu’au nouveau quartier nord. Le chantier, estimé à quatre-vingts millions d’euros, devrait durer trois ans. Plusieurs associations de riverains regrettent de ne pas avoir été consultées plus tôt.",
        "L’inflation a légèrement ralenti le mois dernier, selon les chiffres publiés par l’Institut national de la statistique. Les prix de l’énergie et de l’alimentation ont augmenté moins vite que prévu, mais les économistes restent prudents sur la suite de l’année.",
        "Grâce à un but inscrit dans les arrêts de jeu, l’équipe locale a remporté le derby devant un stade plein. L’entraîneur a salué le caractère de ses jeunes joueurs, qui n’ont jamais baissé les bras malgré l’ouverture du score adverse.",
    ),
    "es": (
        "Tras varios días de lluvias intensas, los ríos se desbordaron en una decena de municipios del sur del país. Los bomberos trabajaron toda la noche para evacuar a los vecinos y cortar las carreteras afectadas. Las autoridades aseguran que no hay heridos, aunque los daños materiales son cuantiosos.",
        "El ayuntamiento aprobó el martes la ampliación de la línea de tranvía hasta el nuevo barrio del norte. La obra costará unos ochenta millones de euros y durará tres años. Varias asociaciones vecinales se quejan de que no fueron escuchadas durante el proceso.",
        "La inflación se moderó ligeramente el mes pasado, según los datos publicados por el Instituto Nacional de Estadística. Los precios de la energía y de los alimentos subieron menos de lo esperado, pero los economistas advierten de que todavía es pronto para cantar victoria.",
        "Con un gol en el tiempo de descuento, el equipo de la ciudad ganó el derbi ante su afición. El entrenador destacó la entrega de sus jugadores más jóvenes, que nunca dejaron de creer en la remontada.",
    ),
    "it": (
        "Dopo giorni di piogge incessanti, i fiumi sono esondati in una decina di comuni del sud. I vigili del fuoco hanno lavorato tutta la notte per evacuare le famiglie e chiudere le strade allagate. La protezione civile ha chiesto ai cittadini di non mettersi in viaggio se non strettamente necessario.",
        "Il consiglio comunale ha approvato martedì sera il prolungamento della linea del tram fino al nuovo quartiere a nord della città. Il progetto costerà circa ottanta milioni di euro e i lavori dovrebbero durare tre anni. Alcuni comitati di quartiere lamentano di non essere stati coinvolti.",
        "L’inflazione è leggermente calata il mese scorso, secondo i dati diffusi dall’istituto di statistica. I prezzi dell’energia e dei generi alimentari sono cresciuti meno del previsto, ma gli economisti invitano alla prudenza.",
        "Con un gol nei minuti di recupero la squadra di casa ha vinto il derby davanti a uno stadio esaurito. L’allenatore ha elogiato il carattere dei suoi giovani, che non hanno mai smesso di crederci.",
    ),
    "pt": (
        "Depois de vários dias de chuva forte, os rios transbordaram em uma dezena de cidades do interior. Os bombeiros trabalharam durante toda a noite para retirar moradores das áreas de risco. A defesa civil informou que não há feridos, mas os prejuízos ainda estão sendo calculados.",
        "A câmara municipal aprovou na terça-feira a extensão da linha de metrô até o novo bairro da zona norte. A obra deve custar cerca de oitenta milhões e levar três anos para ser concluída. Associações de moradores reclamam que não foram ouvidas durante o planejamento.",
        "A inflação desacelerou ligeiramente no mês passado, de acordo com os dados divulgados pelo instituto de estatística. Os preços da energia e dos alimentos subiram menos do que o esperado, mas os economistas pedem cautela.",
        "Com um gol nos acréscimos, o time da casa venceu o clássico diante de um estádio lotado. O treinador elogiou a garra dos jogadores mais jovens, que nunca desistiram mesmo depois de sofrer o primeiro gol.",
    ),
    "nl": (
        "Na dagenlange regen zijn in een tiental gemeenten in het zuiden van het land de rivieren buiten hun oevers getreden. De brandweer was de hele nacht bezig om kelders leeg te pompen en wegen af te sluiten. Volgens de gemeente raakte niemand gewond, maar de schade aan huizen en akkers is groot.",
        "De gemeenteraad heeft dinsdagavond ingestemd met de verlenging van de tramlijn naar de nieuwe woonwijk in het noorden. De kosten worden geschat op ongeveer tachtig miljoen euro. Bewoners vinden dat ze te laat bij de plannen zijn betrokken.",
        "De inflatie is vorige maand iets gedaald, zo meldt het Centraal Bureau voor de Statistiek. Vooral de prijzen van energie en voedsel stegen minder snel dan verwacht. Economen waarschuwen echter dat het nog te vroeg is om van een kentering te spreken.",
    ),
    "sv": (
        "Efter flera dagar av kraftigt regn har älvarna svämmat över i ett tiotal kommuner i norra delen av landet. Räddningstjänsten arbetade hela natten med att pumpa ut vatten ur källare och stänga av vägar. Enligt länsstyrelsen har ingen skadats, men skadorna på hus och åkrar är omfattande.",
        "Kommunfullmäktige beslutade på tisdagskvällen att förlänga spårvägen till det nya bostadsområdet i norr. Kostnaden beräknas till omkring åttahundra miljoner kronor. Flera boende anser att de borde ha fått säga sitt tidigare i processen.",
        "Inflationen sjönk något förra månaden, enligt siffror från Statistiska centralbyrån. Priserna på el och livsmedel steg långsammare än väntat, men ekonomer varnar för att det är för tidigt att tala om ett trendbrott.",
    ),
    "da": (
        "Efter flere dages kraftig regn er åerne gået over deres bredder i en halv snes kommuner i Jylland. Beredskabet har arbejdet hele natten med at pumpe vand ud af kældre og spærre veje af. Ifølge politiet er ingen kommet til skade, men skaderne på huse og marker er betydelige.",
        "Byrådet besluttede tirsdag aften at forlænge letbanen til det nye boligkvarter nord for byen. Prisen anslås til omkring otte hundrede millioner kroner. Flere beboere mener, at de burde være blevet hørt langt tidligere i forløbet.",
        "Inflationen faldt en smule i sidste måned, viser tal fra Danmarks Statistik. Priserne på energi og fødevarer steg mindre end ventet, men økonomerne advarer om, at det er for tidligt at tale om et vendepunkt.",
    ),
    "no": (
        "Etter flere dager med kraftig nedbør har elvene gått over sine bredder i et titalls kommuner på Østlandet. Brannvesenet jobbet hele natten med å pumpe vann ut av kjellere og stenge veier. Ifølge politiet er ingen skadd, men skadene på hus og jorder er store.",
        "Bystyret vedtok tirsdag kveld å forlenge bybanen til det nye boligfeltet nord i byen. Prislappen er anslått til rundt åtte hundre millioner kroner. Flere beboere mener at de burde ha blitt hørt mye tidligere i prosessen.",
        "Prisveksten gikk litt ned forrige måned, viser tall fra Statistisk sentralbyrå. Prisene på strøm og matvarer steg mindre enn ventet, men økonomene advarer mot å tro at det verste er over.",
    ),
    "fi": (
        "Useiden päivien rankkasateiden jälkeen joet ovat tulvineet kymmenessä kunnassa Pohjanmaalla. Pelastuslaitos teki töitä koko yön pumpatakseen vettä kellareista ja sulkeakseen teitä. Poliisin mukaan kukaan ei loukkaantunut, mutta vahingot taloille ja pelloille ovat suuret.",
        "Kaupunginvaltuusto päätti tiistai-iltana jatkaa raitiotietä pohjoiseen uudelle asuinalueelle. Hankkeen hinnaksi arvioidaan noin kahdeksankymmentä miljoonaa euroa. Monet asukkaat katsovat, että heitä olisi pitänyt kuulla jo suunnittelun alussa.",
        "Inflaatio hidastui hieman viime kuussa, kertoo Tilastokeskus. Energian ja ruoan hinnat nousivat odotettua hitaammin, mutta ekonomistit varoittavat, että on liian aikaista puhua käänteestä.",
    ),
    "pl": (
        "Po kilku dniach ulewnych deszczy rzeki wystąpiły z brzegów w kilkunastu gminach na południu kraju. Strażacy przez całą noc wypompowywali wodę z piwnic i zamykali zalane drogi. Według policji nikt nie został ranny, ale straty w domach i na polach są ogromne.",
        "Rada miasta zdecydowała we wtorek wieczorem o przedłużeniu linii tramwajowej do nowego osiedla na północy. Koszt inwestycji szacuje się na około trzysta milionów złotych. Mieszkańcy skarżą się, że nikt nie pytał ich o zdanie.",
        "Inflacja nieco spadła w ubiegłym miesiącu, jak podał Główny Urząd Statystyczny. Ceny energii i żywności rosły wolniej, niż się spodziewano, jednak ekonomiści ostrzegają, że jest jeszcze za wcześnie, by mówić o przełomie.",
    ),
    "cs": (
        "Po několika dnech vydatných dešťů se řeky vylily z břehů v desítce obcí na jihu Moravy. Hasiči celou noc odčerpávali vodu ze sklepů a uzavírali zaplavené silnice. Podle policie nebyl nikdo zraněn, škody na domech a polích jsou ale velké.",
        "Zastupitelstvo města v úterý večer schválilo prodloužení tramvajové trati do nové čtvrti na severu. Stavba má stát zhruba dvě miliardy korun a potrvá tři roky. Obyvatelé si stěžují, že se k plánům nemohli včas vyjádřit.",
        "Inflace minulý měsíc mírně zpomalila, uvedl Český statistický úřad. Ceny energií a potravin rostly pomaleji, než se čekalo, ekonomové však varují, že na obrat je zatím příliš brzy.",
    ),
    "hr": (
        "Nakon nekoliko dana obilnih kiša rijeke su se izlile iz korita u desetak općina na istoku zemlje. Vatrogasci su cijelu noć izvlačili vodu iz podruma i zatvarali poplavljene ceste. Prema navodima policije nitko nije ozlijeđen, ali je šteta na kućama i poljima velika.",
        "Gradsko vijeće u utorak je navečer odlučilo produljiti tramvajsku prugu do novog naselja na sjeveru grada. Radovi bi trebali stajati oko osamdeset milijuna eura i trajati tri godine. Stanari se žale da ih nitko nije pitao za mišljenje.",
        "Inflacija je prošlog mjeseca blago usporila, objavio je Državni zavod za statistiku. Cijene energije i hrane rasle su sporije nego što se očekivalo, no ekonomisti upozoravaju da je prerano govoriti o preokretu.",
    ),
    "ru": (
        "После нескольких дней проливных дождей реки вышли из берегов в десятке районов на юге страны. Спасатели всю ночь откачивали воду из подвалов и перекрывали затопленные дороги. По данным полиции, никто не пострадал, однако ущерб домам и полям оценивается как значительный.",
        "Городская дума во вторник вечером одобрила продление трамвайной линии до нового жилого района на севере. Стоимость проекта оценивается примерно в восемь миллиардов рублей. Жители жалуются, что их мнения никто не спрашивал.",
        "Инфляция в прошлом месяце немного замедлилась, сообщила федеральная служба статистики. Цены на энергию и продукты питания росли медленнее, чем ожидалось, но экономисты предупреждают, что говорить о переломе пока рано.",
    ),
    "uk": (
        "Після кількох днів сильних дощів річки вийшли з берегів у десятку громад на заході країни. Рятувальники всю ніч відкачували воду з підвалів і перекривали затоплені дороги. За даними поліції, ніхто не постраждав, але збитки будинкам і полям чималі.",
        "Міська рада у вівторок увечері ухвалила рішення продовжити трамвайну лінію до нового житлового масиву на півночі. Вартість робіт оцінюють приблизно у два мільярди гривень. Мешканці скаржаться, що їхньої думки ніхто не питав.",
        "Інфляція минулого місяця трохи сповільнилася, повідомила Державна служба статистики. Ціни на енергію та продукти харчування зростали повільніше, ніж очікувалося, проте економісти застерігають, що про перелом говорити ще зарано.",
    ),
    "bg": (
        "След няколко дни проливни дъждове реките излязоха от коритата си в десетина общини в Южна България. Пожарникарите работиха цяла нощ, за да изпомпват вода от мазетата и да затварят наводнените пътища. По данни на полицията няма пострадали, но щетите по къщите и нивите са големи.",
        "Общинският съвет реши във вторник вечерта да удължи трамвайната линия до новия квартал в северната част на града. Проектът ще струва около сто и шейсет милиона лева. Живущите се оплакват, че никой не ги е попитал за мнението им.",
        "Инфлацията леко се забави през миналия месец, съобщи Националният статистически институт. Цените на енергията и храните растат по-бавно от очакваното, но икономистите предупреждават, че е твърде рано да се говори за обрат.",
    ),
    "el": (
        "Μετά από αρκετές ημέρες έντονων βροχοπτώσεων, τα ποτάμια υπερχείλισαν σε δέκα δήμους της βόρειας Ελλάδας. Οι πυροσβέστες εργάστηκαν όλη τη νύχτα για να αντλήσουν νερό από υπόγεια και να κλείσουν πλημμυρισμένους δρόμους. Σύμφωνα με την αστυνομία δεν υπάρχουν τραυματίες, όμως οι ζημιές είναι μεγάλες.",
        "Το δημοτικό συμβούλιο αποφάσισε την Τρίτη το βράδυ την επέκταση της γραμμής του τραμ μέχρι τη νέα συνοικία στα βόρεια της πόλης. Το έργο θα κοστίσει περίπου ογδόντα εκατομμύρια ευρώ. Οι κάτοικοι παραπονιούνται ότι κανείς δεν τους ρώτησε.",
        "Ο πληθωρισμός επιβραδύνθηκε ελαφρά τον περασμένο μήνα, σύμφωνα με τη στατιστική υπηρεσία. Οι τιμές της ενέργειας και των τροφίμων αυξήθηκαν λιγότερο από το αναμενόμενο, αλλά οι οικονομολόγοι συνιστούν προσοχή.",
    ),
    "tr": (
        "Günlerdir süren şiddetli yağışların ardından ülkenin güneyindeki on kadar ilçede nehirler taştı. İtfaiye ekipleri bütün gece bodrumlardaki suyu boşalttı ve su basan yolları trafiğe kapattı. Valilik yaptığı açıklamada yaralı olmadığını, ancak evlerde ve tarlalarda büyük hasar oluştuğunu bildirdi.",
        "Belediye meclisi salı akşamı tramvay hattının şehrin kuzeyindeki yeni mahalleye kadar uzatılmasına karar verdi. Projenin maliyetinin yaklaşık üç milyar lira olacağı tahmin ediliyor. Mahalle sakinleri ise görüşlerinin sorulmadığından şikâyet ediyor.",
        "Türkiye İstatistik Kurumu verilerine göre enflasyon geçen ay hafifçe geriledi. Enerji ve gıda fiyatlarındaki artış beklenenden yavaş oldu, ancak ekonomistler kalıcı bir düşüş için henüz erken olduğunu vurguluyor.",
    ),
    "hu": (
        "Több napos heves esőzés után a folyók kiléptek a medrükből az ország déli részén fekvő tucatnyi településen. A tűzoltók egész éjjel szivattyúzták a vizet a pincékből, és lezárták az elárasztott utakat. A rendőrség szerint senki sem sérült meg, de a házakban és a földeken jelentős kár keletkezett.",
        "A városi közgyűlés kedd este döntött arról, hogy meghosszabbítják a villamosvonalat az északi új lakónegyedig. A beruházás nagyjából harmincmilliárd forintba kerül. A lakók panaszkodnak, hogy senki sem kérdezte meg a véleményüket.",
        "Az infláció a múlt hónapban kissé lassult, közölte a Központi Statisztikai Hivatal. Az energia és az élelmiszerek ára a vártnál lassabban emelkedett, a közgazdászok azonban óvatosságra intenek.",
    ),
    "ro": (
        "După mai multe zile de ploi torențiale, râurile au ieșit din matcă în zece comune din sudul țării. Pompierii au lucrat toată noaptea pentru a scoate apa din pivnițe și a închide drumurile inundate. Potrivit poliției, nu există răniți, însă pagubele la case și culturi sunt importante.",
        "Consiliul local a aprobat marți seara prelungirea liniei de tramvai până la noul cartier din nordul orașului. Lucrările ar urma să coste aproximativ optzeci de milioane de euro și să dureze trei ani. Locuitorii se plâng că nu au fost consultați.",
        "Inflația a încetinit ușor luna trecută, potrivit datelor publicate de Institutul Național de Statistică. Prețurile la energie și alimente au crescut mai lent decât se aștepta, dar economiștii recomandă prudență.",
    ),
    "ar": (
        "بعد عدة أيام من الأمطار الغزيرة، فاضت الأنهار في عشر بلديات في جنوب البلاد. وعمل رجال الإطفاء طوال الليل على سحب المياه من الأقبية وإغلاق الطرق التي غمرتها السيول. وقالت الشرطة إنه لم يصب أحد بأذى، لكن الأضرار التي لحقت بالمنازل والحقول كبيرة.",
        "وافق المجلس البلدي مساء الثلاثاء على تمديد خط الترام حتى الحي السكني الجديد في شمال المدينة. وتقدر تكلفة المشروع بنحو ثمانين مليون دولار، ومن المتوقع أن تستمر الأشغال ثلاث سنوات. ويشكو السكان من أنه لم يتم استشارتهم.",
        "تباطأ التضخم قليلا الشهر الماضي، بحسب البيانات التي نشرها جهاز الإحصاء الوطني. وارتفعت أسعار الطاقة والمواد الغذائية بوتيرة أبطأ من المتوقع، غير أن الاقتصاديين يدعون إلى الحذر.",
    ),
    "he": (
        "לאחר כמה ימים של גשמים עזים, הנהרות עלו על גדותיהם בעשר רשויות בצפון הארץ. לוחמי האש עבדו כל הלילה כדי לשאוב מים ממרתפים ולחסום כבישים מוצפים. לפי המשטרה איש לא נפגע, אך הנזק לבתים ולשדות כבד.",
        "מועצת העיר אישרה ביום שלישי בערב להאריך את קו הרכבת הקלה עד לשכונה החדשה בצפון העיר. עלות הפרויקט מוערכת בכשלוש מאות מיליון שקלים, והעבודות צפויות להימשך שלוש שנים. התושבים מתלוננים שאיש לא שאל לדעתם.",
        "האינפלציה האטה מעט בחודש שעבר, כך לפי נתוני הלשכה המרכזית לסטטיסטיקה. מחירי האנרגיה והמזון עלו בקצב איטי מהצפוי, אך כלכלנים ממליצים על זהירות.",
    ),
    "fa": (
        "پس از چند روز بارش شدید باران، رودخانه‌ها در ده شهرستان در جنوب کشور طغیان کردند. آتش‌نشانان تمام شب مشغول تخلیه آب از زیرزمین‌ها و بستن جاده‌های آب‌گرفته بودند. به گفته پلیس کسی آسیب ندیده است، اما خسارت به خانه‌ها و مزارع زیاد است.",
        "شورای شهر سه‌شنبه شب تصمیم گرفت خط تراموا را تا محله مسکونی جدید در شمال شهر امتداد دهد. هزینه این طرح حدود هشتاد میلیون دلار برآورد شده و کار آن سه سال طول خواهد کشید. ساکنان می‌گویند کسی نظر آنها را نپرسیده است.",
        "به گزارش مرکز آمار، نرخ تورم در ماه گذشته اندکی کاهش یافت. قیمت انرژی و مواد غذایی کندتر از انتظار افزایش یافت، اما اقتصاددانان می‌گویند هنوز برای قضاوت زود است.",
    ),
    "hi": (
        "कई दिनों की मूसलाधार बारिश के बाद देश के दक्षिणी हिस्से में दस से अधिक गाँवों में नदियाँ उफान पर आ गईं। दमकलकर्मी पूरी रात तहखानों से पानी निकालते रहे और जलमग्न सड़कों को बंद करते रहे। पुलिस के अनुसार कोई घायल नहीं हुआ, लेकिन घरों और खेतों को भारी नुकसान पहुँचा है।",
        "नगर परिषद ने मंगलवार शाम शहर के उत्तर में बन रही नई कॉलोनी तक मेट्रो लाइन बढ़ाने का फैसला किया। इस परियोजना पर लगभग आठ सौ करोड़ रुपये खर्च होने का अनुमान है। स्थानीय निवासियों का कहना है कि किसी ने उनकी राय नहीं पूछी।",
        "राष्ट्रीय सांख्यिकी कार्यालय के अनुसार पिछले महीने महँगाई दर में थोड़ी कमी आई। ऊर्जा और खाद्य पदार्थों की कीमतें उम्मीद से धीमी गति से बढ़ीं, लेकिन अर्थशास्त्री सावधानी बरतने की सलाह दे रहे हैं।",
    ),
    "zh": (
        "连日暴雨过后，南方十多个县的河流水位暴涨，部分地区出现洪涝灾害。消防人员彻夜抽排地下室积水，并封闭了被淹没的道路。警方表示目前没有人员受伤，但房屋和农田损失严重。",
        "市议会周二晚间决定将有轨电车线路延伸至城市北部的新住宅区。该项目预计耗资约六亿元，工期三年。一些居民抱怨说，在规划过程中没有人征求过他们的意见。",
        "国家统计局公布的数据显示，上个月通货膨胀率略有回落。能源和食品价格的涨幅低于预期，但经济学家提醒说，现在断言拐点已经到来还为时过早。",
    ),
    "ja": (
        "数日間降り続いた大雨の影響で、南部の十余りの町で川が氾濫した。消防隊は夜通し地下室の水をくみ出し、冠水した道路を通行止めにした。警察によるとけが人はいないが、住宅や農地の被害は大きいという。",
        "市議会は火曜日の夜、路面電車の路線を市北部の新しい住宅地まで延伸することを決めた。事業費はおよそ百億円と見込まれ、工事には三年かかる予定だ。住民からは、計画について意見を聞かれなかったという不満の声が上がっている。",
        "統計局が発表したデータによると、先月の物価上昇率はわずかに鈍化した。エネルギーと食料品の値上がりは予想より緩やかだったが、経済学者は楽観は禁物だと指摘している。",
    ),
    "ko": (
        "며칠째 이어진 폭우로 남부 지역 열여 곳의 마을에서 하천이 범람했다. 소방대원들은 밤새 지하실의 물을 퍼내고 침수된 도로를 통제했다. 경찰에 따르면 다친 사람은 없지만 주택과 농경지의 피해가 크다.",
        "시의회는 화요일 저녁 노면전차 노선을 도시 북부의 새 주거 단지까지 연장하기로 결정했다. 사업비는 약 천억 원으로 추산되며 공사는 삼 년 동안 진행될 예정이다. 주민들은 계획 과정에서 아무도 의견을 묻지 않았다고 불만을 나타냈다.",
        "통계청이 발표한 자료에 따르면 지난달 물가 상승률이 소폭 둔화했다. 에너지와 식료품 가격이 예상보다 천천히 올랐지만 경제학자들은 아직 안심하기 이르다고 말했다.",
    ),
    "vi": (
        "Sau nhiều ngày mưa lớn, nước sông dâng cao và tràn bờ ở hơn mười xã thuộc các tỉnh miền Trung. Lực lượng cứu hộ đã làm việc suốt đêm để bơm nước ra khỏi nhà dân và chặn các tuyến đường bị ngập. Theo công an tỉnh, chưa có ai bị thương nhưng thiệt hại về nhà cửa và hoa màu là rất lớn.",
        "Hội đồng nhân dân thành phố hôm thứ Ba đã thông qua việc kéo dài tuyến xe điện đến khu dân cư mới ở phía bắc. Dự án có tổng vốn khoảng hai nghìn tỷ đồng và dự kiến kéo dài ba năm. Nhiều người dân phàn nàn rằng họ không được hỏi ý kiến.",
        "Theo số liệu của Tổng cục Thống kê, lạm phát tháng trước đã giảm nhẹ. Giá năng lượng và thực phẩm tăng chậm hơn dự kiến, nhưng các nhà kinh tế cho rằng vẫn còn quá sớm để nói về một bước ngoặt.",
    ),
    "id": (
        "Setelah hujan deras selama beberapa hari, sungai meluap di sepuluh desa di bagian selatan provinsi. Petugas pemadam kebakaran bekerja sepanjang malam untuk menyedot air dari rumah warga dan menutup jalan yang tergenang. Menurut polisi tidak ada korban luka, tetapi kerugian pada rumah dan sawah cukup besar.",
        "Dewan kota pada Selasa malam memutuskan untuk memperpanjang jalur trem hingga ke kawasan perumahan baru di utara kota. Proyek tersebut diperkirakan menelan biaya sekitar satu triliun rupiah dan akan berlangsung selama tiga tahun. Warga mengeluh bahwa mereka tidak pernah dimintai pendapat.",
        "Inflasi sedikit melambat pada bulan lalu, menurut data yang dirilis Badan Pusat Statistik. Harga energi dan bahan pangan naik lebih lambat dari perkiraan, namun para ekonom mengingatkan agar tetap waspada.",
    ),
}
